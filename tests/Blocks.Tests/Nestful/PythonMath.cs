using System.Numerics;

namespace ToolFlow.Blocks.Tests.Nestful;

/// <summary>
/// C# versions of NESTFUL v2's math functions (upstream <c>basic_functions.py</c>, as the corpus README describes
/// them), with Python semantics: <c>int</c> is arbitrary precision and stays <c>int</c> under <c>+ - * **</c> (with a
/// non-negative exponent), <c>/</c> is true division (correctly rounded for ints of any size), <c>%</c> and
/// <c>//</c> take the divisor's sign, and errors are the Python exceptions (<see cref="PythonException"/>).
/// Arguments come positionally.
/// </summary>
internal static class PythonMath
{
    private static readonly BigInteger s_one = BigInteger.One;
    private static readonly BigInteger s_two = 2;

    /// <summary>Every function by its upstream name (with its upstream spellings: <c>reminder</c>, <c>circumface</c>).</summary>
    public static IReadOnlyDictionary<string, Func<IReadOnlyList<object?>, object?>> Functions { get; } = new Dictionary<string, Func<IReadOnlyList<object?>, object?>>(StringComparer.Ordinal)
    {
        ["add"] = a => Add(Arg(a, 2, 0), a[1]),
        ["subtract"] = a => Subtract(Arg(a, 2, 0), a[1]),
        ["multiply"] = a => Multiply(Arg(a, 2, 0), a[1]),
        ["divide"] = a => TrueDivide(Arg(a, 2, 0), a[1]),
        ["inverse"] = a => TrueDivide(s_one, Arg(a, 1, 0)),
        ["negate"] = a => Negate(Arg(a, 1, 0)),
        ["negate_prob"] = a => Subtract(s_one, Arg(a, 1, 0)),
        ["power"] = a => Power(Arg(a, 2, 0), a[1]),
        ["sqrt"] = a => IntegerSqrt(Arg(a, 1, 0)),
        ["floor"] = a => Floor(Arg(a, 1, 0)),
        ["log"] = a => Log(Arg(a, 1, 0, maxCount: 2), a.Count > 1 ? a[1] : null),
        ["remainder"] = a => Modulo(Arg(a, 2, 0), a[1]),
        ["reminder"] = a => Modulo(Arg(a, 2, 0), a[1]),
        ["gcd"] = a => BigInteger.GreatestCommonDivisor(Int(Arg(a, 2, 0)), Int(a[1])),
        ["lcm"] = a => Lcm(Arg(a, 2, 0), a[1]),
        ["factorial"] = a => Factorial(Arg(a, 1, 0)),
        ["permutation"] = a => Permutation(Arg(a, 2, 0), a[1]),
        ["choose"] = a => Choose(Arg(a, 2, 0), a[1]),
        ["max_number"] = a => Extreme(Arg(a, 1, 0), "max", sign: 1),
        ["min_number"] = a => Extreme(Arg(a, 1, 0), "min", sign: -1),
        ["speed"] = a => TrueDivide(Arg(a, 2, 0), a[1]),
        ["circle_area"] = a => Multiply(Math.PI, Power(Arg(a, 1, 0), s_two)),
        ["circumface"] = a => Multiply(Multiply(s_two, Math.PI), Arg(a, 1, 0)),
        ["rectangle_area"] = a => Multiply(Arg(a, 2, 0), a[1]),
        ["rectangle_perimeter"] = a => Multiply(s_two, Add(Arg(a, 2, 0), a[1])),
        ["diagonal"] = a => FloatSqrt(Add(Power(Arg(a, 2, 0), s_two), Power(a[1], s_two))),
        ["square_area"] = a => Power(Arg(a, 1, 0), s_two),
        ["square_perimeter"] = a => Multiply((BigInteger)4, Arg(a, 1, 0)),
        ["square_edge_by_area"] = a => FloatSqrt(Arg(a, 1, 0)),
        ["square_edge_by_perimeter"] = a => TrueDivide(Arg(a, 1, 0), (BigInteger)4),
        ["triangle_area"] = a => Multiply(Multiply(0.5, Arg(a, 2, 0)), a[1]),
        ["rhombus_area"] = a => Multiply(Multiply(0.5, Arg(a, 2, 0)), a[1]),
        ["volume_cube"] = a => Power(Arg(a, 1, 0), (BigInteger)3),
        ["surface_cube"] = a => Multiply((BigInteger)6, Power(Arg(a, 1, 0), s_two)),
        ["cube_edge_by_volume"] = a => Power(Arg(a, 1, 0), 1.0 / 3),
        ["volume_sphere"] = a => Multiply(Multiply(4.0 / 3, Math.PI), Power(Arg(a, 1, 0), (BigInteger)3)),
        ["surface_sphere"] = a => Multiply(Multiply((BigInteger)4, Math.PI), Power(Arg(a, 1, 0), s_two)),
        ["volume_cylinder"] = a => Multiply(Multiply(Math.PI, Power(Arg(a, 2, 0), s_two)), a[1]),
        ["surface_cylinder"] = a => Multiply(Multiply(Multiply(s_two, Math.PI), Arg(a, 2, 0)), Add(a[0], a[1])),
        ["volume_cone"] = a => Multiply(Multiply(Multiply(1.0 / 3, Math.PI), Power(Arg(a, 2, 0), s_two)), a[1]),
    };

    public static bool IsNumber(object? value) => value is BigInteger or double or bool;

    public static object Add(object? a, object? b) =>
        BothInts(a, b, out BigInteger x, out BigInteger y) ? x + y : Float(a) + Float(b);

    public static object Subtract(object? a, object? b) =>
        BothInts(a, b, out BigInteger x, out BigInteger y) ? x - y : Float(a) - Float(b);

    public static object Multiply(object? a, object? b) =>
        BothInts(a, b, out BigInteger x, out BigInteger y) ? x * y : Float(a) * Float(b);

    public static object Negate(object? a) => a is double d ? -d : -Int(Number(a));

    /// <summary>Python's <c>/</c>: always a float; int / int correctly rounded however large the ints.</summary>
    public static double TrueDivide(object? a, object? b)
    {
        if (BothInts(a, b, out BigInteger x, out BigInteger y))
        {
            return y.IsZero ? throw PythonException.ZeroDivisionError("division by zero") : IntTrueDivide(x, y);
        }

        double divisor = Float(b);
        return divisor == 0 ? throw PythonException.ZeroDivisionError("float division by zero") : Float(a) / divisor;
    }

    /// <summary>Python's <c>//</c>: the floor of the quotient; int for ints, float otherwise.</summary>
    public static object FloorDivide(object? a, object? b)
    {
        if (BothInts(a, b, out BigInteger x, out BigInteger y))
        {
            if (y.IsZero)
            {
                throw PythonException.ZeroDivisionError("integer division or modulo by zero");
            }

            BigInteger quotient = BigInteger.DivRem(x, y, out BigInteger remainder);
            return !remainder.IsZero && remainder.Sign != y.Sign ? quotient - 1 : quotient;
        }

        return FloatDivMod(Float(a), Float(b), "float floor division by zero").Div;
    }

    /// <summary>Python's <c>%</c>: the result takes the divisor's sign.</summary>
    public static object Modulo(object? a, object? b)
    {
        if (BothInts(a, b, out BigInteger x, out BigInteger y))
        {
            if (y.IsZero)
            {
                throw PythonException.ZeroDivisionError("integer modulo by zero");
            }

            BigInteger remainder = BigInteger.Remainder(x, y);
            return !remainder.IsZero && remainder.Sign != y.Sign ? remainder + y : remainder;
        }

        return FloatDivMod(Float(a), Float(b), "float modulo").Mod;
    }

    /// <summary>Python's <c>**</c>: int ** non-negative int is an exact int; anything else is float pow.</summary>
    public static object Power(object? a, object? b)
    {
        if (BothInts(a, b, out BigInteger x, out BigInteger y))
        {
            if (y.Sign >= 0)
            {
                return y > int.MaxValue ? throw PythonException.OverflowError("exponent too large") : BigInteger.Pow(x, (int)y);
            }

            if (x.IsZero)
            {
                throw PythonException.ZeroDivisionError("0.0 cannot be raised to a negative power");
            }
        }

        double @base = Float(a);
        double exponent = Float(b);
        if (@base == 0 && exponent < 0)
        {
            throw PythonException.ZeroDivisionError("0.0 cannot be raised to a negative power");
        }

        if (@base < 0 && double.IsFinite(exponent) && exponent != Math.Floor(exponent))
        {
            // Python 3 answers with a complex number here; no NESTFUL tool returns one, so the call fails.
            throw PythonException.ValueError("negative number cannot be raised to a fractional power");
        }

        double result = Math.Pow(@base, exponent);
        return double.IsInfinity(result) && double.IsFinite(@base) && double.IsFinite(exponent)
            ? throw PythonException.OverflowError("(34, 'Numerical result out of range')")
            : result;
    }

    /// <summary><c>math.isqrt</c>: ⌊√n⌋ of a non-negative int; a float is a TypeError.</summary>
    public static BigInteger IntegerSqrt(object? n)
    {
        if (n is double)
        {
            throw PythonException.TypeError("'float' object cannot be interpreted as an integer");
        }

        BigInteger value = Int(Number(n));
        if (value.Sign < 0)
        {
            throw PythonException.ValueError("isqrt() argument must be nonnegative");
        }

        if (value.IsZero)
        {
            return value;
        }

        // Newton's method from a power of two at or above the root; it decreases until it reaches the floor.
        BigInteger x = BigInteger.One << (int)((value.GetBitLength() + 1) / 2);
        while (true)
        {
            BigInteger next = (x + (value / x)) >> 1;
            if (next >= x)
            {
                return x;
            }

            x = next;
        }
    }

    /// <summary><c>math.sqrt</c>: a float; negative input is a ValueError.</summary>
    public static double FloatSqrt(object? x)
    {
        double value = Float(x);
        return value < 0 ? throw PythonException.ValueError("math domain error") : Math.Sqrt(value);
    }

    /// <summary><c>math.floor</c>: an int.</summary>
    public static BigInteger Floor(object? x) => x is double d ? ToInt(Math.Floor(d)) : Int(Number(x));

    /// <summary><c>int(math.log(x, base))</c>: the logarithm (natural without a base), truncated toward zero.</summary>
    public static BigInteger Log(object? x, object? @base)
    {
        double value = LogOf(x);
        if (@base is not null)
        {
            double denominator = LogOf(@base);
            value = denominator == 0 ? throw PythonException.ZeroDivisionError("float division by zero") : value / denominator;
        }

        return ToInt(Math.Truncate(value));
    }

    /// <summary><c>abs(a * b) // math.gcd(int(a), int(b))</c>: an int for ints, a float when an input is a float.</summary>
    public static object Lcm(object? a, object? b)
    {
        BigInteger divisor = BigInteger.GreatestCommonDivisor(Int(a), Int(b));
        object product = Multiply(a, b);
        return FloorDivide(product is double d ? Math.Abs(d) : BigInteger.Abs((BigInteger)product), divisor);
    }

    /// <summary><c>math.factorial</c>: ints only, not negative.</summary>
    public static BigInteger Factorial(object? n)
    {
        BigInteger value = StrictInt(n);
        if (value.Sign < 0)
        {
            throw PythonException.ValueError("factorial() not defined for negative values");
        }

        BigInteger result = BigInteger.One;
        for (BigInteger i = 2; i <= value; i++)
        {
            result *= i;
        }

        return result;
    }

    /// <summary><c>n! // (n - r)!</c>: r greater than n reaches a negative factorial, a ValueError.</summary>
    public static BigInteger Permutation(object? n, object? r)
    {
        BigInteger total = StrictInt(n);
        BigInteger taken = StrictInt(r);
        return Factorial(total) / Factorial(total - taken);
    }

    /// <summary><c>math.comb</c>: 0 when r is greater than n; negative arguments are a ValueError.</summary>
    public static BigInteger Choose(object? n, object? r)
    {
        BigInteger total = StrictInt(n);
        BigInteger taken = StrictInt(r);
        if (total.Sign < 0 || taken.Sign < 0)
        {
            throw PythonException.ValueError(total.Sign < 0 ? "n must be a non-negative integer" : "k must be a non-negative integer");
        }

        if (taken > total)
        {
            return BigInteger.Zero;
        }

        taken = BigInteger.Min(taken, total - taken);
        BigInteger result = BigInteger.One;
        for (BigInteger i = 1; i <= taken; i++)
        {
            result = result * (total - taken + i) / i;
        }

        return result;
    }

    /// <summary>
    /// Python's comparison of two numbers, exact across int and float; <see langword="null"/> when unordered (NaN).
    /// </summary>
    public static int? Compare(object a, object b)
    {
        if (BothInts(a, b, out BigInteger x, out BigInteger y))
        {
            return x.CompareTo(y);
        }

        if (a is double p && b is double q)
        {
            return double.IsNaN(p) || double.IsNaN(q) ? null : p.CompareTo(q);
        }

        return a is double f ? -CompareIntFloat(Int(Number(b)), f) : CompareIntFloat(Int(Number(a)), (double)b);
    }

    private static int? CompareIntFloat(BigInteger i, double f)
    {
        if (double.IsNaN(f))
        {
            return null;
        }

        if (double.IsInfinity(f))
        {
            return f > 0 ? -1 : 1;
        }

        double floor = Math.Floor(f);
        int whole = i.CompareTo(new BigInteger(floor));
        return whole != 0 ? whole : (f > floor ? -1 : 0);
    }

    private static object? Extreme(object? list, string name, int sign)
    {
        if (list is not List<object?> items)
        {
            throw PythonException.TypeError($"'{TypeName(list)}' object is not iterable");
        }

        if (items.Count == 0)
        {
            throw PythonException.ValueError($"{name}() arg is an empty sequence");
        }

        // Like Python, the first of equal extremes wins, and an item replaces it only when strictly beyond it.
        object? best = items[0];
        foreach (object? item in items.Skip(1))
        {
            if (Compare(Number(item), Number(best)) * sign > 0)
            {
                best = item;
            }
        }

        return best;
    }

    private static double LogOf(object? x)
    {
        if (x is double d)
        {
            return d <= 0 ? throw PythonException.ValueError("math domain error") : Math.Log(d);
        }

        BigInteger value = Int(Number(x));
        if (value.Sign <= 0)
        {
            throw PythonException.ValueError("math domain error");
        }

        double asFloat = (double)value;
        if (double.IsFinite(asFloat))
        {
            return Math.Log(asFloat);
        }

        // Too large for a float: CPython's frexp route, log(m) + log(2) * e with x = m * 2**e and m in [0.5, 1).
        long e = value.GetBitLength();
        double m = (double)(value >> (int)(e - 64)) / Math.Pow(2, 64);
        return Math.Log(m) + (Math.Log(2.0) * e);
    }

    // Python's float divmod (floatobject.c): the remainder takes the divisor's sign; the quotient is floored.
    private static (double Div, double Mod) FloatDivMod(double x, double y, string zeroMessage)
    {
        if (y == 0)
        {
            throw PythonException.ZeroDivisionError(zeroMessage);
        }

        double mod = x % y;
        double div = (x - mod) / y;
        if (mod != 0)
        {
            if ((y < 0) != (mod < 0))
            {
                mod += y;
                div -= 1.0;
            }
        }
        else
        {
            mod = Math.CopySign(0.0, y);
        }

        double floor;
        if (div != 0)
        {
            floor = Math.Floor(div);
            if (div - floor > 0.5)
            {
                floor += 1.0;
            }
        }
        else
        {
            floor = Math.CopySign(0.0, x / y);
        }

        return (floor, mod);
    }

    // Correctly rounded x / y for ints of any size, as CPython's long_true_divide.
    private static double IntTrueDivide(BigInteger x, BigInteger y)
    {
        const long Limit = 1L << 53;
        if (BigInteger.Abs(x) <= Limit && BigInteger.Abs(y) <= Limit)
        {
            return (double)x / (double)y;
        }

        bool negative = (x.Sign < 0) != (y.Sign < 0);
        BigInteger a = BigInteger.Abs(x);
        BigInteger b = BigInteger.Abs(y);
        if (a.IsZero)
        {
            return negative ? -0.0 : 0.0;
        }

        // A quotient of at least 55 bits, its last bit made sticky by any remainder, then rounded half to even at 53.
        long shift = 55 - (a.GetBitLength() - b.GetBitLength());
        BigInteger quotient = shift >= 0
            ? BigInteger.DivRem(a << (int)shift, b, out BigInteger remainder)
            : BigInteger.DivRem(a, b << (int)-shift, out remainder);
        if (!remainder.IsZero)
        {
            quotient |= BigInteger.One;
        }

        long drop = quotient.GetBitLength() - 53;
        BigInteger mantissa = quotient >> (int)drop;
        BigInteger rest = quotient - (mantissa << (int)drop);
        BigInteger half = BigInteger.One << (int)(drop - 1);
        if (rest > half || (rest == half && !mantissa.IsEven))
        {
            mantissa += 1;
        }

        double result = Math.ScaleB((double)mantissa, (int)(drop - shift));
        if (double.IsInfinity(result))
        {
            throw PythonException.OverflowError("integer division result too large for a float");
        }

        return negative ? -result : result;
    }

    private static object? Arg(IReadOnlyList<object?> arguments, int count, int index, int? maxCount = null)
    {
        if (arguments.Count < count || arguments.Count > (maxCount ?? count))
        {
            throw PythonException.TypeError($"expected {count}{(maxCount is { } max && max != count ? $" to {max}" : string.Empty)} positional arguments, got {arguments.Count}");
        }

        return arguments[index];
    }

    private static bool BothInts(object? a, object? b, out BigInteger x, out BigInteger y)
    {
        Number(a);
        Number(b);
        if (a is double || b is double)
        {
            x = y = default;
            return false;
        }

        x = Int(a);
        y = Int(b);
        return true;
    }

    private static object Number(object? value) =>
        IsNumber(value) ? value! : throw PythonException.TypeError($"unsupported operand type: '{TypeName(value)}'");

    /// <summary>Python's <c>float(x)</c> of a number.</summary>
    private static double Float(object? value) => Number(value) switch
    {
        double d => d,
        bool b => b ? 1 : 0,
        BigInteger i when double.IsFinite((double)i) => (double)i,
        _ => throw PythonException.OverflowError("int too large to convert to float"),
    };

    /// <summary>Python's <c>int(x)</c> of a number: a float is truncated toward zero.</summary>
    private static BigInteger Int(object? value) => Number(value) switch
    {
        BigInteger i => i,
        bool b => b ? BigInteger.One : BigInteger.Zero,
        double d => ToInt(Math.Truncate(d)),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>An int where Python accepts only an int (<c>__index__</c>): a float is a TypeError.</summary>
    private static BigInteger StrictInt(object? value) =>
        value is double ? throw PythonException.TypeError("'float' object cannot be interpreted as an integer") : Int(value);

    private static BigInteger ToInt(double whole) =>
        double.IsNaN(whole) ? throw PythonException.ValueError("cannot convert float NaN to integer")
        : double.IsInfinity(whole) ? throw PythonException.OverflowError("cannot convert float infinity to integer")
        : new BigInteger(whole);

    private static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        BigInteger => "int",
        double => "float",
        bool => "bool",
        string => "str",
        List<object?> => "list",
        _ => "dict",
    };
}
