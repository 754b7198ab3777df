namespace SmtpCollector.TestBroker;

/// <summary>Wakes every waiter when something changes, so bounded waits re-check their condition instead of polling.</summary>
internal sealed class Pulse
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Fire() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Returns once <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> with <paramref name="describe"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        using var expiry = new CancellationTokenSource(timeout);
        while (true)
        {
            // Taken before the check: a change between the check and the wait still completes this task.
            var next = Volatile.Read(ref _next).Task;
            if (condition())
                return;
            try
            {
                await next.WaitAsync(expiry.Token);
            }
            catch (OperationCanceledException) when (expiry.IsCancellationRequested)
            {
                if (condition())
                    return;
                throw new TimeoutException($"After {timeout.TotalSeconds:0.###} s: {describe()}");
            }
        }
    }
}
