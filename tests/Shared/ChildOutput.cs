using System.Diagnostics;

namespace StationHub.Testing;

/// <summary>
/// Reads a child process's standard output and error line by line: hands each line to a reader
/// (to learn the port it bound, say) and keeps the last lines for a failure message.
/// </summary>
public sealed class ChildOutput
{
    private const int Kept = 60;
    private readonly Process process;
    private readonly Action<string>? read;
    private readonly Queue<string> last = new();
    private readonly Lock gate = new();

    public ChildOutput(Process process, Action<string>? read = null)
    {
        this.process = process;
        this.read = read;
        process.OutputDataReceived += (_, line) => Add(line.Data);
        process.ErrorDataReceived += (_, line) => Add(line.Data);
    }

    /// <summary>The last lines it printed, oldest first.</summary>
    public string Tail
    {
        get
        {
            lock (gate)
            {
                return string.Join('\n', last);
            }
        }
    }

    /// <summary>Starts reading; call once, after <see cref="Process.Start()"/>.</summary>
    public void Begin()
    {
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            last.Enqueue(line);
            if (last.Count > Kept)
            {
                last.Dequeue();
            }
        }

        read?.Invoke(line);
    }
}
