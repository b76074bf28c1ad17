using System.Buffers;
using System.Runtime.CompilerServices;

namespace ToolFlow.StreamParsers;

/// <summary>A growable character buffer on <see cref="ArrayPool{T}.Shared"/>, kept in a field and used in place.</summary>
internal struct PooledCharBuffer
{
    private const int MinimumCapacity = 256;

    private char[]? _array;
    private int _length;

    /// <summary>How many characters the buffer holds.</summary>
    public readonly int Length => _length;

    /// <summary>The characters held; valid until the next change.</summary>
    public readonly ReadOnlySpan<char> Span => _array is null ? default : _array.AsSpan(0, _length);

    /// <summary>Appends characters.</summary>
    /// <param name="text">The characters.</param>
    public void Append(ReadOnlySpan<char> text)
    {
        char[]? array = _array;
        int length = _length;
        if (text.Length == 1 && array is not null && (uint)length < (uint)array.Length)
        {
            // One character (a token stream fed a character at a time): a store, not a copy.
            array[length] = text[0];
            _length = length + 1;
            return;
        }

        if (text.IsEmpty)
        {
            return;
        }

        if (array is null || array.Length - length < text.Length)
        {
            Grow(text.Length);
        }

        text.CopyTo(_array.AsSpan(_length));
        _length += text.Length;
    }

    /// <summary>Appends a character.</summary>
    /// <param name="c">The character.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(char c)
    {
        char[]? array = _array;
        int length = _length;
        if (array is not null && (uint)length < (uint)array.Length)
        {
            array[length] = c;
            _length = length + 1;
        }
        else
        {
            AppendAfterGrowing(c);
        }
    }

    /// <summary>Empties the buffer and keeps its storage.</summary>
    public void Clear() => _length = 0;

    /// <summary>Empties the buffer and returns its storage to the pool.</summary>
    public void Release()
    {
        char[]? array = _array;
        _array = null;
        _length = 0;
        if (array is not null)
        {
            ArrayPool<char>.Shared.Return(array);
        }
    }

    // Apart, so that the inlined Append never takes the character's address (which would keep it in memory).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AppendAfterGrowing(char c)
    {
        Grow(1);
        _array![_length++] = c;
    }

    private void Grow(int additional)
    {
        int needed = checked(_length + additional);
        int doubled = (int)Math.Min((long)(_array?.Length ?? 0) * 2, Array.MaxLength);
        char[] next = ArrayPool<char>.Shared.Rent(Math.Max(needed, Math.Max(doubled, MinimumCapacity)));
        if (_array is not null)
        {
            _array.AsSpan(0, _length).CopyTo(next);
            ArrayPool<char>.Shared.Return(_array);
        }

        _array = next;
    }
}
