namespace ToolFlow.Profiling;

/// <summary>The demo tools' local data: real computations over small fixed tables.</summary>
internal static class TravelData
{
    private static readonly Dictionary<string, (string Forecast, int LowC, int HighC)> s_weather = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Lisbon"] = ("sunny with a light breeze", 14, 21),
        ["London"] = ("overcast with showers", 6, 11),
        ["Porto"] = ("cloudy", 11, 17),
    };

    private static readonly (string Flight, string From, string To, string Departs, decimal PriceEur)[] s_flights =
    [
        ("TP1351", "LHR", "LIS", "07:25", 142m),
        ("BA500", "LHR", "LIS", "09:40", 188m),
        ("TP1363", "LHR", "LIS", "18:05", 129m),
        ("U28151", "LGW", "LIS", "06:10", 96m),
    ];

    private static readonly (string Name, string City, decimal NightlyEur, double Rating)[] s_hotels =
    [
        ("Casa do Largo", "Lisbon", 165m, 4.7),
        ("Baixa Boutique", "Lisbon", 149m, 4.5),
        ("Alfama Terrace", "Lisbon", 210m, 4.8),
        ("Rossio Rooms", "Lisbon", 98m, 4.1),
    ];

    private static readonly Dictionary<string, decimal> s_eurPerUnit = new(StringComparer.OrdinalIgnoreCase)
    {
        ["EUR"] = 1m,
        ["GBP"] = 1.1512m,
        ["USD"] = 0.8634m,
    };

    public static WeatherReport Weather(string city) =>
        s_weather.TryGetValue(city, out var w)
            ? new WeatherReport(city, w.Forecast, w.LowC, w.HighC)
            : throw new ArgumentException($"No forecast for '{city}'.", nameof(city));

    public static IReadOnlyList<FlightOffer> Flights(string from, string to, string date)
    {
        if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", out _))
        {
            throw new ArgumentException($"'{date}' is not a yyyy-mm-dd date.", nameof(date));
        }

        return [.. s_flights
            .Where(f => f.From.Equals(from, StringComparison.OrdinalIgnoreCase) && f.To.Equals(to, StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f.PriceEur)
            .Select(f => new FlightOffer(f.Flight, f.From, f.To, date, f.Departs, f.PriceEur))];
    }

    public static IReadOnlyList<HotelOffer> Hotels(string city, int nights, decimal maxPricePerNight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nights);
        return [.. s_hotels
            .Where(h => h.City.Equals(city, StringComparison.OrdinalIgnoreCase) && h.NightlyEur <= maxPricePerNight)
            .OrderByDescending(h => h.Rating)
            .Select(h => new HotelOffer(h.Name, h.Rating, h.NightlyEur, h.NightlyEur * nights))];
    }

    public static Conversion Convert(decimal amount, string from, string to)
    {
        if (!s_eurPerUnit.TryGetValue(from, out decimal fromRate) || !s_eurPerUnit.TryGetValue(to, out decimal toRate))
        {
            throw new ArgumentException($"Unknown currency pair {from}/{to}.");
        }

        return new Conversion(amount, from.ToUpperInvariant(), to.ToUpperInvariant(), Math.Round(amount * fromRate / toRate, 2));
    }

    internal sealed record WeatherReport(string City, string Forecast, int LowC, int HighC);

    internal sealed record FlightOffer(string Flight, string From, string To, string Date, string Departs, decimal PriceEur);

    internal sealed record HotelOffer(string Name, double Rating, decimal NightlyEur, decimal TotalEur);

    internal sealed record Conversion(decimal Amount, string From, string To, decimal Converted);
}
