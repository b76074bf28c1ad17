using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace ToolFlow.Blocks.Tests.Nestful;

/// <summary>
/// Python values as the C# ports of NESTFUL functions see them: <c>int</c> is <see cref="BigInteger"/>, <c>float</c>
/// is <see cref="double"/>, <c>bool</c>, <c>str</c>, <c>list</c> is <see cref="List{T}"/> and <c>dict</c> is an
/// ordered list of pairs. In JSON a number with a '.' or an exponent is a float and any other number an int, and a
/// float is written as Python's <c>repr</c> writes it (<c>130.0</c>, never <c>130</c>), so the int/float distinction
/// survives the trip through the mesh.
/// </summary>
internal static class PythonValues
{
    public static object? FromJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number when IsFloatText(value.GetRawText()) => double.Parse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture),
        JsonValueKind.Number => BigInteger.Parse(value.GetRawText(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        JsonValueKind.Array => value.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.Object => value.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, FromJson(p.Value))).ToList(),
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };

    public static string ToJson(object? value)
    {
        var text = new StringBuilder();
        Write(value);
        return text.ToString();

        void Write(object? v)
        {
            switch (v)
            {
                case null:
                    text.Append("null");
                    break;
                case bool b:
                    text.Append(b ? "true" : "false");
                    break;
                case BigInteger i:
                    text.Append(i.ToString(CultureInfo.InvariantCulture));
                    break;
                case double d when double.IsFinite(d):
                    text.Append(Repr(d));
                    break;
                case double d:
                    throw PythonException.OverflowError($"{d} has no JSON form");
                case string s:
                    text.Append(JsonSerializer.Serialize(s));
                    break;
                case List<KeyValuePair<string, object?>> dict:
                    text.Append('{').AppendJoin(',', dict.Select(p => JsonSerializer.Serialize(p.Key) + ":" + ToJson(p.Value))).Append('}');
                    break;
                case List<object?> list:
                    text.Append('[').AppendJoin(',', list.Select(ToJson)).Append(']');
                    break;
                default:
                    throw new ArgumentException($"{v.GetType()} is not a Python value here.", nameof(value));
            }
        }
    }

    /// <summary>Python's <c>repr</c> of a float: the shortest round-trip digits, positional from 1e-4 up to 1e16, with ".0" when whole.</summary>
    public static string Repr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        string sign = double.IsNegative(value) ? "-" : string.Empty;
        if (value == 0)
        {
            return sign + "0.0";
        }

        // The shortest round-trip digits, from .NET's "R" (plain or with an exponent), then laid out as Python does.
        string shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int e = shortest.IndexOf('E', StringComparison.Ordinal);
        int exponent = e < 0 ? 0 : int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        string mantissa = e < 0 ? shortest : shortest[..e];
        int point = mantissa.IndexOf('.', StringComparison.Ordinal);
        string digits = mantissa.Replace(".", string.Empty, StringComparison.Ordinal);
        point = point < 0 ? mantissa.Length : point;
        while (digits.Length > 1 && digits[0] == '0')
        {
            digits = digits[1..];
            point--;
        }

        digits = digits.TrimEnd('0');
        int first = point - 1 + exponent;
        if (first < -4 || first >= 16)
        {
            return $"{sign}{digits[0]}{(digits.Length > 1 ? "." + digits[1..] : string.Empty)}e{(first < 0 ? "-" : "+")}{Math.Abs(first):00}";
        }

        if (first < 0)
        {
            return $"{sign}0.{new string('0', -first - 1)}{digits}";
        }

        string whole = digits.Length > first + 1 ? digits[..(first + 1)] : digits.PadRight(first + 1, '0');
        string fraction = digits.Length > first + 1 ? digits[(first + 1)..] : "0";
        return $"{sign}{whole}.{fraction}";
    }

    /// <summary>How many decimals Python's <c>repr</c> of <paramref name="value"/> shows, as the upstream scorer counts them.</summary>
    public static int Decimals(double value)
    {
        string repr = Repr(value);
        int point = repr.IndexOf('.', StringComparison.Ordinal);
        return point < 0 ? 0 : repr.Length - point - 1;
    }

    /// <summary>Python's <c>==</c>: numbers by value across int and float, lists item by item, dicts by key.</summary>
    public static bool Equal(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (string x, string y) => x == y,
        (List<KeyValuePair<string, object?>> x, List<KeyValuePair<string, object?>> y) =>
            x.Count == y.Count && x.All(p => y.Exists(q => q.Key == p.Key && Equal(p.Value, q.Value))),
        (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => Equal(p.First, p.Second)),
        _ when PythonMath.IsNumber(a) && PythonMath.IsNumber(b) => PythonMath.Compare(a!, b!) == 0,
        _ => false,
    };

    private static bool IsFloatText(string text) => text.AsSpan().IndexOfAny(".eE") >= 0;
}
