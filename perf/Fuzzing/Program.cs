using SharpFuzz;
using ToolFlow.Fuzzing;

// toolflow-fuzz run TARGET            afl-fuzz's target: reads inputs from afl through SharpFuzz
// toolflow-fuzz repro TARGET FILE...  runs inputs (crashes afl found) and prints what broke
// toolflow-fuzz seed TARGET DIR CONFORMANCE  writes the starting corpus for TARGET into DIR
// toolflow-fuzz list                  the target names
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: run TARGET | repro TARGET FILE... | seed TARGET DIR CONFORMANCE_DIR | list");
    return 2;
}

switch (args[0])
{
    case "list":
        Console.WriteLine(string.Join('\n', FuzzTargets.Names));
        return 0;
    case "run" when args.Length == 2:
        Action<FuzzInput> target = FuzzTargets.Create(args[1]);
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target(FuzzInput.Read(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        });
        return 0;
    case "repro" when args.Length >= 3:
        Action<FuzzInput> run = FuzzTargets.Create(args[1]);
        int failed = 0;
        foreach (string file in args.Skip(2))
        {
            try
            {
                run(FuzzInput.Read(File.ReadAllBytes(file)));
                Console.WriteLine($"ok      {file}");
            }
#pragma warning disable CA1031 // Every failure is what is being looked for.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failed++;
                Console.WriteLine($"FAILED  {file}\n{e}");
            }
        }

        return failed == 0 ? 0 : 1;
    case "seed" when args.Length == 4:
        int written = SeedCorpus.Write(args[1], args[2], args[3]);
        Console.WriteLine($"{args[1]}: {written} seeds");
        return 0;
    default:
        Console.Error.WriteLine("usage: run TARGET | repro TARGET FILE... | seed TARGET DIR CONFORMANCE_DIR | list");
        return 2;
}
