using System.Globalization;
using System.Text;

namespace ToolFlow.Testing;

/// <summary>Large, deterministic tool results for budget tests: about 200,000 o200k_base tokens each.</summary>
public static class LargeResults
{
    /// <summary>A sensor log of 12,000 lines: 202,801 o200k_base tokens.</summary>
    public static string Log { get; } = MakeLog(12_000);

    /// <summary>A JSON document whose array holds 6,200 items: 202,529 o200k_base tokens.</summary>
    public static string Json { get; } = MakeJson(6_200);

    private static string MakeLog(int lines)
    {
        var text = new StringBuilder();
        for (int i = 0; i < lines; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"Line {i:D6}: sensor {i % 97} read {(i * 7919) % 10007} units, status {(i % 13 == 0 ? "warning" : "nominal")}.\n");
        }

        return text.ToString();
    }

    private static string MakeJson(int items)
    {
        var text = new StringBuilder("{\"query\":\"sensors in hall 7\",\"total\":");
        text.Append(items).Append(",\"items\":[");
        for (int i = 0; i < items; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(CultureInfo.InvariantCulture, $"{{\"id\":{i},\"name\":\"sensor-{i:D5}\",\"reading\":{(i * 7919) % 10007},\"status\":\"{(i % 13 == 0 ? "warning" : "nominal")}\",\"history\":[{i % 10},{i % 7},{i % 5},{i % 3}]}}");
        }

        text.Append("],\"source\":\"hall-7 gateway\"}");
        return text.ToString();
    }
}
