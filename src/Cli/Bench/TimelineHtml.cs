using System.Globalization;
using System.Net;
using System.Text;
using ToolFlow.Profiling;

namespace ToolFlow.Cli.Bench;

/// <summary>
/// A self-contained HTML Gantt chart (inline SVG and CSS, no scripts or external assets): per section (a bench scenario,
/// a recorded run), one lane per strategy or run; in each lane, each conversation's turns (waiting for the first token,
/// then decoding) and each call (closed, waiting, running, completed), on one time axis.
/// </summary>
internal static class TimelineHtml
{
    private const double Width = 1100;
    private const double Left = 190;
    private const double Row = 16;

    public static string Render(IReadOnlyList<BenchScenarioResult> results) =>
        Render("ToolFlow bench timeline", [.. results.Select(static r => new TimelineSection(
            r.Name,
            r.Description,
            r.LowerBoundMs,
            [.. r.FirstRuns.Select(static run => new TimelineLane(
                $"{run.Strategy.ToName()} — {run.EndToEndMs.ToString("F0", CultureInfo.InvariantCulture)} ms" + (run.Strategy.RealLibrary() is { } l ? $" (real library: {l})" : string.Empty),
                run.EndToEndMs,
                [.. run.Conversations.Select(static t => new TimelineConversation(t.Name, t.Turns, t.Calls))]))]))]);

    public static string Render(string title, IReadOnlyList<TimelineSection> sections)
    {
        var html = new StringBuilder();
        html.Append("""<!DOCTYPE html>""").Append('\n')
            .Append("""<html lang="en"><head><meta charset="utf-8"><title>""").Append(Escape(title)).Append("""</title>""").Append('\n');
        html.Append("""
            <style>
            body { font: 13px system-ui, sans-serif; margin: 16px; color: #222; }
            h2 { margin: 18px 0 2px; font-size: 16px; } p.d { margin: 0 0 6px; color: #555; }
            svg text { font: 11px system-ui, sans-serif; fill: #222; } .lane { font-weight: 600; }
            .ttft { fill: #dde3ea; } .decode { fill: #7c93b3; } .wait { fill: #f3d9a4; } .run { fill: #3d9a5b; } .fail { fill: #c9453b; }
            .closed { stroke: #222; stroke-width: 1.5; } .axis { stroke: #bbb; stroke-width: 0.5; } .bound { stroke: #c9453b; stroke-dasharray: 4 3; }
            .legend span { display: inline-block; width: 12px; height: 10px; margin: 0 4px 0 12px; vertical-align: middle; }
            </style></head><body>
            <h1>
            """).Append(Escape(title)).Append("""
            </h1>
            <div class="legend"><span style="background:#dde3ea"></span>waiting for first token<span style="background:#7c93b3"></span>decode stream<span style="background:#f3d9a4"></span>call closed, waiting<span style="background:#3d9a5b"></span>call running<span style="background:#c9453b"></span>failed / lower bound (dashed)</div>
            """);
        foreach (TimelineSection section in sections)
        {
            RenderSection(html, section);
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void RenderSection(StringBuilder html, TimelineSection result)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        double maxMs = Math.Max(result.LowerBoundMs ?? 0, result.Lanes.Select(r => r.EndMs).DefaultIfEmpty(1).Max()) * 1.02;
        double scale = (Width - Left - 10) / maxMs;
        var body = new StringBuilder();
        double y = 20;
        foreach (TimelineLane run in result.Lanes)
        {
            body.Append(c, $"<text class=\"lane\" x=\"4\" y=\"{y + 11}\">{Escape(run.Label)}</text>");
            y += Row;
            foreach (TimelineConversation conversation in run.Conversations)
            {
                body.Append(c, $"<text x=\"14\" y=\"{y + 11}\">{Escape(conversation.Name)} turns</text>");
                foreach (TurnTiming turn in conversation.Turns)
                {
                    double first = turn.FirstTokenMs ?? turn.DecodeEndMs ?? turn.StartedMs;
                    double end = turn.DecodeEndMs ?? first;
                    Rect(body, "ttft", turn.StartedMs, first, y, scale, $"turn {turn.Turn}: request at {turn.StartedMs:F0} ms, first token at {first:F0} ms");
                    Rect(body, "decode", first, end, y, scale, $"turn {turn.Turn}: decoding {first:F0} to {end:F0} ms");
                }

                y += Row;
                foreach (CallTiming call in conversation.Calls)
                {
                    body.Append(c, $"<text x=\"24\" y=\"{y + 11}\">t{call.Turn} {Escape(call.Name)}</text>");
                    double started = call.StartedMs ?? call.CompletedMs ?? call.ClosedMs;
                    double completed = call.CompletedMs ?? started;
                    string tip = $"{call.Name} ({call.CallId}): closed {call.ClosedMs:F0}, started {started:F0}, completed {completed:F0} ms";
                    Rect(body, "wait", call.ClosedMs, started, y + 3, scale, tip, Row - 8);
                    Rect(body, call.Failed ? "fail" : "run", started, completed, y + 1, scale, tip, Row - 4);
                    double x = X(call.ClosedMs, scale);
                    body.Append(c, $"<line class=\"closed\" x1=\"{x:F1}\" x2=\"{x:F1}\" y1=\"{y}\" y2=\"{y + Row - 2}\"><title>{Escape(tip)}</title></line>");
                    y += Row;
                }
            }

            y += 6;
        }

        double height = y + 24;
        var svg = new StringBuilder();
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height:F0}\" viewBox=\"0 0 {Width} {height:F0}\">");
        double step = NiceStep(maxMs);
        for (double t = 0; t <= maxMs; t += step)
        {
            double x = X(t, scale);
            svg.Append(c, $"<line class=\"axis\" x1=\"{x:F1}\" x2=\"{x:F1}\" y1=\"14\" y2=\"{height - 18:F0}\"/><text x=\"{x + 2:F1}\" y=\"11\">{t:F0} ms</text>");
        }

        if (result.LowerBoundMs is { } bound)
        {
            double bx = X(bound, scale);
            svg.Append(c, $"<line class=\"bound\" x1=\"{bx:F1}\" x2=\"{bx:F1}\" y1=\"14\" y2=\"{height - 18:F0}\"><title>lower bound {bound:F0} ms</title></line>");
            svg.Append(c, $"<text x=\"{bx + 3:F1}\" y=\"{height - 6:F0}\" fill=\"#c9453b\">lower bound {bound:F0} ms</text>");
        }
        svg.Append(body).Append("</svg>");
        html.Append(c, $"<h2>{Escape(result.Name)}</h2><p class=\"d\">{Escape(result.Description)}</p>").Append(svg).Append('\n');
    }

    private static void Rect(StringBuilder body, string cls, double fromMs, double toMs, double y, double scale, string tip, double height = Row - 4)
    {
        double x = X(fromMs, scale);
        double w = Math.Max(1, (toMs - fromMs) * scale);
        body.Append(CultureInfo.InvariantCulture, $"<rect class=\"{cls}\" x=\"{x:F1}\" y=\"{y + 2:F1}\" width=\"{w:F1}\" height=\"{height:F1}\"><title>{Escape(tip)}</title></rect>");
    }

    private static double X(double ms, double scale) => Left + (ms * scale);

    private static double NiceStep(double maxMs)
    {
        double raw = maxMs / 10;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(raw, 1))));
        double[] steps = [1, 2, 5, 10];
        return steps.Select(s => s * magnitude).First(s => s >= raw);
    }

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
