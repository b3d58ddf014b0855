using ReMiT.Cluster.Coordination;

namespace ReMiT.Cluster.Tests.Coordination;

public sealed class LeaseBookTests
{
    private readonly ManualClock _clock = new();
    private LeaseBook<string> NewBook() => new(TimeSpan.FromSeconds(10), _clock);

    [Fact]
    public void Take_GivesOnlyWhatWasAskedFor_InFifoOrder()
    {
        var book = NewBook();
        for (int i = 1; i <= 5; i++) book.Add(i, $"w{i}");
        Assert.Equal(["w1", "w2"], book.Take("a", 2));
        Assert.Equal(["w3"], book.Take("b", 1));
        Assert.Equal(2, book.Pending);
        Assert.Equal(3, book.Leased);
    }

    [Fact]
    public void Complete_FirstResultAccepted_SecondIsDuplicate_UnknownIdUnknown()
    {
        var book = NewBook();
        book.Add(7, "w7");
        book.Take("a", 1);
        Assert.Equal(LeaseBook<string>.Outcome.Accepted, book.Complete(7, "a"));
        Assert.Equal(LeaseBook<string>.Outcome.Duplicate, book.Complete(7, "a"));
        Assert.Equal(LeaseBook<string>.Outcome.Unknown, book.Complete(8, "a"));
        Assert.Equal(0, book.Leased);
    }

    [Fact]
    public void ExpireDue_TimedOutLeaseGoesBackToTheFront_AndTheLateAnswerStillCountsOnce()
    {
        var book = NewBook();
        book.Add(1, "w1");
        book.Add(2, "w2");
        book.Take("slow", 1);                       // w1 leased to a slow worker
        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(book.ExpireDue());
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["slow"], book.ExpireDue());
        Assert.Equal(["w1", "w2"], book.Take("fast", 2)); // reissued work goes out first
        Assert.Equal(LeaseBook<string>.Outcome.Accepted, book.Complete(1, "fast"));   // the fast worker answers
        Assert.Equal(LeaseBook<string>.Outcome.Duplicate, book.Complete(1, "slow"));  // then the slow one: dropped
    }

    [Fact]
    public void ExpireDue_WallClockStepsForwardOrBack_LeaseAgeFollowsOnlyTheMonotonicClock()
    {
        var book = NewBook();   // 10 s leases
        book.Add(1, "w1");
        book.Take("a", 1);
        _clock.Now += TimeSpan.FromHours(1);      // NTP steps the wall clock an hour ahead
        Assert.Empty(book.ExpireDue());        // no time really passed: the lease stays
        _clock.Now -= TimeSpan.FromHours(2);      // and then back behind where it started
        _clock.Advance(TimeSpan.FromSeconds(10)); // 10 s really pass
        Assert.Single(book.ExpireDue());          // the lease expires after its 10 s all the same
    }

    [Fact]
    public void HolderLost_RequeuesOnlyThatHoldersLeases()
    {
        var book = NewBook();
        for (int i = 1; i <= 4; i++) book.Add(i, $"w{i}");
        book.Take("a", 2);
        book.Take("b", 2);
        Assert.Equal(2, book.HolderLost("a"));
        Assert.Equal(2, book.Pending);
        Assert.Equal(["w1", "w2"], book.Take("b", 5));
        Assert.Null(book.Outstanding(99));
    }

    [Fact]
    public void Add_SameIdTwice_Refused()
    {
        var book = NewBook();
        book.Add(1, "w1");
        Assert.Throws<InvalidOperationException>(() => book.Add(1, "again"));
        book.Take("a", 1);
        book.Complete(1, "a");
        Assert.Throws<InvalidOperationException>(() => book.Add(1, "again"));
    }

    [Fact]
    public void RandomSchedule_EveryItemCompletedExactlyOnce_WhateverFailsOrTimesOut()
    {
        var rng = new Random(3);
        var book = NewBook();
        const int items = 500;
        for (int i = 0; i < items; i++) book.Add(i, i);
        var accepted = new HashSet<long>();
        var held = new List<(string Holder, long Id)>();
        int duplicates = 0;
        while (accepted.Count < items)
        {
            string worker = "w" + rng.Next(4);
            foreach (int id in book.Take(worker, rng.Next(1, 4)).Cast<int>()) held.Add((worker, id));
            switch (rng.Next(10))
            {
                case 0: book.HolderLost("w" + rng.Next(4)); break;               // a node dies (its late answers may still come)
                case 1: _clock.Advance(TimeSpan.FromSeconds(11)); book.ExpireDue(); break;
            }
            // Some held items are answered, in any order.
            foreach (var h in held.OrderBy(_ => rng.Next()).Take(rng.Next(held.Count + 1)).ToList())
            {
                held.Remove(h);
                var outcome = book.Complete(h.Id, h.Holder);
                if (outcome == LeaseBook<string>.Outcome.Accepted) Assert.True(accepted.Add(h.Id));
                else if (outcome == LeaseBook<string>.Outcome.Duplicate) duplicates++;
            }
            if (book.Pending == 0 && book.Leased == 0) break;
        }
        Assert.Equal(items, accepted.Count);
        Assert.Equal(0, book.Pending);
    }

    [Fact]
    public void Complete_FromAWorkerNeverHandedTheLease_IsRefusedAndTheLeaseStays()
    {
        var book = NewBook();
        book.Add(1, "w1");
        book.Take("a", 1);
        Assert.Equal(LeaseBook<string>.Outcome.NotHolder, book.Complete(1, "rogue"));
        Assert.Equal(1, book.Leased);
        Assert.Equal(LeaseBook<string>.Outcome.Accepted, book.Complete(1, "a"));
    }

    [Fact]
    public void Complete_PendingItemNeverLeased_IsUnknownToEveryone()
    {
        var book = NewBook();
        book.Add(1, "w1");
        Assert.Equal(LeaseBook<string>.Outcome.Unknown, book.Complete(1, "a"));
        Assert.Equal(1, book.Pending);
    }

    [Fact]
    public void Complete_HolderWhoLeft_ItsLateResultIsStillTheWorkAndCountsOnce()
    {
        var book = NewBook();
        book.Add(1, "w1");
        book.Take("a", 1);
        book.HolderLost("a");
        book.Take("b", 1);
        Assert.Equal(LeaseBook<string>.Outcome.Accepted, book.Complete(1, "a"));
        Assert.Equal(LeaseBook<string>.Outcome.Duplicate, book.Complete(1, "b"));
    }

    [Fact]
    public void Release_OnlyByTheCurrentHolder()
    {
        var book = NewBook();
        book.Add(1, "w1");
        book.Take("a", 1);
        _clock.Advance(TimeSpan.FromSeconds(11));
        book.ExpireDue();
        book.Take("b", 1);
        Assert.False(book.Release(1, "a"));      // its lease expired: its failure report no longer counts
        Assert.False(book.Release(1, "rogue"));
        Assert.Equal(1, book.Leased);
        Assert.True(book.Release(1, "b"));
        Assert.Equal(1, book.Pending);
    }

    [Fact]
    public void TryAdd_KnownIdInAnyState_ReturnsFalseAndKeepsTheFirst()
    {
        var book = NewBook();
        Assert.True(book.TryAdd(1, "w1"));
        Assert.False(book.TryAdd(1, "again"));
        Assert.Equal(["w1"], book.Take("a", 1));
        Assert.False(book.TryAdd(1, "again"));
        book.Complete(1, "a");
        Assert.False(book.TryAdd(1, "again"));
        Assert.True(book.IsCompleted(1));
    }

    [Fact]
    public void Withdraw_PendingAndLeasedItems_LeaveTheBook_AndALateResultIsWithdrawnNotDuplicate()
    {
        var book = NewBook();
        book.Add(1, "old-1");
        book.Add(2, "old-2");
        book.Add(3, "new-3");
        book.Take("a", 1); // old-1 leased
        Assert.Equal([1L, 2L], book.Withdraw(w => ((string)w).StartsWith("old", StringComparison.Ordinal)).Order());
        Assert.Equal((1, 0), (book.Pending, book.Leased));
        Assert.Equal(LeaseBook<string>.Outcome.Withdrawn, book.Complete(1, "a"));
        Assert.True(book.IsWithdrawn(2));
        Assert.False(book.TryAdd(2, "old-2")); // asked for again: not queued again
        Assert.Equal(["new-3"], book.Take("a", 5));
    }
}
