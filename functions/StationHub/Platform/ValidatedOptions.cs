using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace StationHub.Platform;

/// <summary>
/// How every flow binds and checks its settings: the section bound, its data annotations checked by a validator
/// generated at compile time (<see cref="OptionsValidatorAttribute"/> on a partial class beside the options), each
/// failure naming the setting (<c>Stations:StaleAfter</c>), and the check run at start-up, so a bad setting stops
/// the host, named.
/// </summary>
/// <remarks>
/// Not <c>ValidateDataAnnotations</c> (banned in the library): the reflection-based check shares each attribute
/// between threads, and a <see cref="System.ComponentModel.DataAnnotations.RangeAttribute"/> over a
/// <see cref="TimeSpan"/> converts its limits without a lock the first time it is used. Two hubs starting at once
/// in one process then fail, now and then, with an <see cref="InvalidCastException"/> (dotnet/runtime#1143; it
/// failed a test run). The generated validators use thread-safe copies of the attributes and no reflection. Their
/// copy of <c>Range</c> ignores <c>ErrorMessage</c>, so the setting is named here instead, for every attribute.
/// </remarks>
public static class ValidatedOptions
{
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>, new()
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>>(new NamedBySetting<TOptions>(new TValidator(), section)));
        return services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    /// <summary>The generated validator's failures with each member named as its setting (<c>StationOptions.StaleAfter</c> becomes <c>Stations:StaleAfter</c>).</summary>
    private sealed class NamedBySetting<TOptions>(IValidateOptions<TOptions> generated, string section) : IValidateOptions<TOptions>
        where TOptions : class
    {
        private readonly string member = typeof(TOptions).Name + ".";

        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            var result = generated.Validate(name, options);
            return result.Failed
                ? ValidateOptionsResult.Fail(result.Failures.Select(failure => failure.Replace(member, section + ":", StringComparison.Ordinal)))
                : result;
        }
    }
}
