using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace StationHub.PickupOrders;

/// <summary>Settings of the governance fund (section <c>Funds</c>).</summary>
public sealed class FundOptions
{
    public const string Section = "Funds";

    /// <summary>The share of every pickup revenue paid into the governance fund, in percent (default 20).</summary>
    [Range(0, 100)]
    public int GovernanceSharePercent { get; set; } = 20;
}

/// <summary>Checks <see cref="FundOptions"/>'s data annotations with code generated at compile time (<see cref="Platform.ValidatedOptions"/>).</summary>
[OptionsValidator]
public sealed partial class FundOptionsValidator : IValidateOptions<FundOptions>;

/// <summary>
/// Splits an amount in fen between the station and the governance fund. Rounding rule: the fund
/// gets the percentage rounded DOWN to the fen, the station gets the rest, so the two always add
/// up to the amount exactly and a remainder fen never leaves the station.
/// </summary>
public static class RevenueSplit
{
    public static (long StationFen, long FundFen) Split(long amountFen, int fundPercent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amountFen);
        ArgumentOutOfRangeException.ThrowIfNegative(fundPercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fundPercent, 100);
        var fund = (long)((Int128)amountFen * fundPercent / 100);
        return (amountFen - fund, fund);
    }
}
