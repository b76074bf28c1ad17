using System.Globalization;

namespace ToolFlow.Ledger.Sqlite;

/// <summary>How values are stored as SQLite text: instants and enum names.</summary>
internal static class LedgerText
{
    // Fixed width with seven fraction digits: exact to the tick, and text order is time order.
    private const string TimeFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'";

    public static object Time(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) : DBNull.Value;

    public static DateTimeOffset ParseTime(string text, string column)
    {
        if (!DateTime.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime time))
        {
            throw new InvalidDataException($"The ledger's {column} holds '{text}', not an ISO-8601 UTC time.");
        }

        return new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc));
    }

    public static TEnum ParseEnum<TEnum>(string text, string column)
        where TEnum : struct, Enum
    {
        // Names only: a number would be a value this code never wrote.
        if (text.Length == 0 || !char.IsLetter(text[0]) || !Enum.TryParse(text, ignoreCase: false, out TEnum value) || !Enum.IsDefined(value))
        {
            throw new InvalidDataException($"The ledger's {column} holds '{text}', which this version of ToolFlow does not know.");
        }

        return value;
    }
}
