using Orleans.Configuration;

namespace ToolFlow.Orleans;

/// <summary>Membership settings for a small cluster that must notice a dead node in about a second.</summary>
public static class ToolFlowMembershipSiloBuilderExtensions
{
    /// <summary>How long a silo waits for a probe's answer (Orleans' default: 5 s).</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>Missed probes in a row after which a silo suspects the one it probes (Orleans' default: 3).</summary>
    public const int NumMissedProbesLimit = 2;

    /// <summary>Suspicions that declare a silo dead (Orleans' default: 2); one is enough among a few nodes.</summary>
    public const int NumVotesForDeathDeclaration = 1;

    /// <summary>How often a silo re-reads the membership table, so it learns of a death it did not vote on (default: 60 s).</summary>
    public static readonly TimeSpan TableRefreshTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How often a silo writes that it is alive (default: 30 s).</summary>
    public static readonly TimeSpan IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the distributed grain directory keeps a dead silo's grains from activating elsewhere (Orleans' default:
    /// 30 s less the detection time), so a silo cut off rather than dead learns of its death and stops first. A silo
    /// reads the membership table every <see cref="TableRefreshTimeout"/>, so a few seconds suffice here.
    /// </summary>
    public static readonly TimeSpan RangeLeaseDuration = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Detects a killed silo in about a second: probes time out after 250 ms, two missed probes raise a suspicion, and
    /// one suspicion declares the silo dead. Calls in flight to it then fail with <c>SiloUnavailableException</c>
    /// instead of waiting for the 30 s response timeout; with the distributed grain directory its grains may activate
    /// on another silo <see cref="RangeLeaseDuration"/> later. Meant for a few nodes on a fast network: on a larger or
    /// slower one, a pause of half a second (a long GC) could have a live silo declared dead.
    /// </summary>
    /// <param name="builder">The silo.</param>
    /// <returns>The silo.</returns>
    public static ISiloBuilder UseToolFlowFailureDetection(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configure<GrainDirectoryOptions>(o => o.RangeLeaseDuration = RangeLeaseDuration);
        return builder.Configure<ClusterMembershipOptions>(Apply);
    }

    /// <summary>Sets the fast-detection values on membership options (what <see cref="UseToolFlowFailureDetection"/> applies).</summary>
    /// <param name="options">The options.</param>
    public static void Apply(ClusterMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ProbeTimeout = ProbeTimeout;
        options.NumMissedProbesLimit = NumMissedProbesLimit;
        options.NumVotesForDeathDeclaration = NumVotesForDeathDeclaration;
        options.TableRefreshTimeout = TableRefreshTimeout;
        options.IAmAliveTablePublishTimeout = IAmAliveTablePublishTimeout;
    }
}
