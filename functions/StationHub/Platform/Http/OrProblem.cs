namespace StationHub.Platform.Http;

/// <summary>Either a value or the problem to answer with (a webhook read, an item parsed from it).</summary>
public readonly struct OrProblem<T>
    where T : class
{
    private OrProblem(T? value, Problem? problem)
    {
        Value = value;
        Problem = problem;
    }

    public T? Value { get; }

    public Problem? Problem { get; }

    public static implicit operator OrProblem<T>(T value) => new(value, null);

    public static implicit operator OrProblem<T>(Problem problem) => new(null, problem);
}
