using System.Globalization;

namespace ToolFlow.Tools;

/// <summary>
/// Evaluates arithmetic for the <c>calculate</c> tool: numbers, <c>+ - * / %</c>, <c>^</c> (power, right
/// associative), parentheses, unary signs, the constants <c>pi</c> and <c>e</c>, and the functions
/// <c>sqrt abs round floor ceil exp ln log log10 log2 sin cos tan asin acos atan min max pow</c>.
/// </summary>
internal sealed class Calculator
{
    private const int MaxLength = 1000;
    private const int MaxDepth = 64;

    private readonly string _text;
    private int _position;
    private int _depth;

    private Calculator(string text)
    {
        _text = text;
    }

    /// <summary>Evaluates an expression.</summary>
    /// <param name="expression">The expression, such as <c>2 * (3 + 4) ^ 2</c>.</param>
    /// <returns>The value.</returns>
    /// <exception cref="FormatException">The expression is not valid, with the position of the problem.</exception>
    public static double Evaluate(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (expression.Length > MaxLength)
        {
            throw new FormatException($"The expression is longer than {MaxLength} characters.");
        }

        var calculator = new Calculator(expression);
        double value = calculator.ParseSum();
        calculator.SkipSpaces();
        if (calculator._position < expression.Length)
        {
            throw calculator.Error($"unexpected '{expression[calculator._position]}'");
        }

        return value;
    }

    /// <summary>Formats a value as the tool returns it: invariant, shortest round-trip form.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private double ParseSum()
    {
        double value = ParseProduct();
        while (true)
        {
            if (Accept('+'))
            {
                value += ParseProduct();
            }
            else if (Accept('-'))
            {
                value -= ParseProduct();
            }
            else
            {
                return value;
            }
        }
    }

    private double ParseProduct()
    {
        double value = ParseUnary();
        while (true)
        {
            if (Accept('*'))
            {
                value *= ParseUnary();
            }
            else if (Accept('/'))
            {
                double divisor = ParseUnary();
                value = divisor == 0 ? throw Error("division by zero") : value / divisor;
            }
            else if (Accept('%'))
            {
                double divisor = ParseUnary();
                value = divisor == 0 ? throw Error("division by zero") : value % divisor;
            }
            else
            {
                return value;
            }
        }
    }

    private double ParseUnary()
    {
        if (Accept('-'))
        {
            return -ParseUnary();
        }

        return Accept('+') ? ParseUnary() : ParsePower();
    }

    private double ParsePower()
    {
        double value = ParseAtom();
        return Accept('^') ? Math.Pow(value, ParseUnary()) : value;
    }

    private double ParseAtom()
    {
        if (++_depth > MaxDepth)
        {
            throw Error("the expression is nested too deeply");
        }

        try
        {
            SkipSpaces();
            if (Accept('('))
            {
                double inner = ParseSum();
                Expect(')');
                return inner;
            }

            if (_position < _text.Length && (char.IsAsciiDigit(_text[_position]) || _text[_position] == '.'))
            {
                return ParseNumber();
            }

            if (_position < _text.Length && char.IsAsciiLetter(_text[_position]))
            {
                return ParseName();
            }

            throw Error(_position < _text.Length ? $"unexpected '{_text[_position]}'" : "the expression ends too early");
        }
        finally
        {
            _depth--;
        }
    }

    private double ParseNumber()
    {
        int start = _position;
        while (_position < _text.Length && (char.IsAsciiDigit(_text[_position]) || _text[_position] == '.'))
        {
            _position++;
        }

        if (_position < _text.Length && _text[_position] is 'e' or 'E')
        {
            int mark = _position++;
            if (_position < _text.Length && _text[_position] is '+' or '-')
            {
                _position++;
            }

            if (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
            {
                while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
                {
                    _position++;
                }
            }
            else
            {
                // Not an exponent: the letter is left for the caller, which reports it.
                _position = mark;
            }
        }

        return double.TryParse(_text.AsSpan(start, _position - start), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw Error($"'{_text[start.._position]}' is not a number", start);
    }

    private double ParseName()
    {
        int start = _position;
        while (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] == '_'))
        {
            _position++;
        }

        string name = _text[start.._position].ToLowerInvariant();
        switch (name)
        {
            case "pi":
                return Math.PI;
            case "e":
                return Math.E;
        }

        SkipSpaces();
        if (!Accept('('))
        {
            throw Error($"unknown name '{name}'", start);
        }

        var arguments = new List<double>();
        if (!Accept(')'))
        {
            do
            {
                arguments.Add(ParseSum());
            }
            while (Accept(','));
            Expect(')');
        }

        return (name, arguments.Count) switch
        {
            ("sqrt", 1) => Math.Sqrt(arguments[0]),
            ("abs", 1) => Math.Abs(arguments[0]),
            ("round", 1) => Math.Round(arguments[0], MidpointRounding.AwayFromZero),
            ("round", 2) => Math.Round(arguments[0], (int)Math.Clamp(arguments[1], 0, 15), MidpointRounding.AwayFromZero),
            ("floor", 1) => Math.Floor(arguments[0]),
            ("ceil", 1) => Math.Ceiling(arguments[0]),
            ("exp", 1) => Math.Exp(arguments[0]),
            ("ln", 1) or ("log", 1) => Math.Log(arguments[0]),
            ("log10", 1) => Math.Log10(arguments[0]),
            ("log2", 1) => Math.Log2(arguments[0]),
            ("sin", 1) => Math.Sin(arguments[0]),
            ("cos", 1) => Math.Cos(arguments[0]),
            ("tan", 1) => Math.Tan(arguments[0]),
            ("asin", 1) => Math.Asin(arguments[0]),
            ("acos", 1) => Math.Acos(arguments[0]),
            ("atan", 1) => Math.Atan(arguments[0]),
            ("pow", 2) => Math.Pow(arguments[0], arguments[1]),
            ("min", > 0) => arguments.Min(),
            ("max", > 0) => arguments.Max(),
            _ => throw Error($"unknown function '{name}' with {arguments.Count} argument(s)", start),
        };
    }

    private void SkipSpaces()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            _position++;
        }
    }

    private bool Accept(char c)
    {
        SkipSpaces();
        if (_position < _text.Length && _text[_position] == c)
        {
            _position++;
            return true;
        }

        return false;
    }

    private void Expect(char c)
    {
        if (!Accept(c))
        {
            throw Error(_position < _text.Length ? $"expected '{c}' but found '{_text[_position]}'" : $"expected '{c}' at the end");
        }
    }

    private FormatException Error(string problem, int? at = null) =>
        new($"Cannot evaluate '{_text}': {problem} (at position {(at ?? _position) + 1}).");
}
