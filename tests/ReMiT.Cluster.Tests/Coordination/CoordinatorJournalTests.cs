using System.Text;
using ReMiT.Cluster.Coordination;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Tests.Messages.Serialization;

namespace ReMiT.Cluster.Tests.Coordination;

public sealed class CoordinatorJournalTests : IDisposable
{
    private readonly TempDir _dir = new();
    private string PathOf => CoordinatorJournal.PathIn(_dir.Path);

    public void Dispose() => _dir.Dispose();

    private static UnitVerifiedRecord Unit(int step, int first) => new("rl:base", step, first,
        [new RolloutRecord(first, [1, 2], [3], [-0.25f], PolicyVersion: 4, Stopped: true, Reward: 0.8, Correct: true)]);

    private void Write(params JournalRecord[] records)
    {
        using var journal = CoordinatorJournal.Open(PathOf, CoordinatorJournal.Read(PathOf).GoodLength);
        foreach (var r in records) journal.Append(r);
    }

    [Fact]
    public void Read_WhatWasAppended_ComesBackEqualInOrder()
    {
        Write(new StageStartedRecord("rl:base"), Unit(0, 2));
        Write(Unit(1, 0)); // a second coordinator appends after the first one's records
        var read = CoordinatorJournal.Read(PathOf);
        Assert.Null(read.TornTail);
        Assert.Equal(3, read.Records.Count);
        Assert.Equal(new StageStartedRecord("rl:base"), read.Records[0]);
        var unit = Assert.IsType<UnitVerifiedRecord>(read.Records[2]);
        Assert.Equal(("rl:base", 1, 0), (unit.Stage, unit.Step, unit.FirstPrompt));
        DeepEqual.Assert(Unit(1, 0).Rollouts, unit.Rollouts);
    }

    [Fact]
    public void Read_NoFile_IsAnEmptyJournal()
    {
        var read = CoordinatorJournal.Read(PathOf);
        Assert.Empty(read.Records);
        Assert.Equal(0, read.GoodLength);
    }

    [Fact]
    public void Read_LastLineCutShortByAKill_IsIgnoredAndReported_AndTheNextAppendReplacesIt()
    {
        Write(new StageStartedRecord("rl:base"), Unit(0, 0));
        File.AppendAllText(PathOf, "{\"record\":\"unit_verified\",\"stage\":\"rl:ba", Encoding.UTF8);
        var read = CoordinatorJournal.Read(PathOf);
        Assert.Equal(2, read.Records.Count);
        Assert.Contains($"{PathOf} line 3", read.TornTail);
        Write(Unit(0, 2));
        var again = CoordinatorJournal.Read(PathOf);
        Assert.Null(again.TornTail);
        Assert.Equal(3, again.Records.Count);
    }

    [Fact]
    public void Read_ADamagedLineBeforeTheEnd_FailsNamingTheFileAndTheLine()
    {
        Write(new StageStartedRecord("rl:base"), Unit(0, 0), Unit(0, 2));
        var lines = File.ReadAllLines(PathOf);
        lines[1] = "{\"record\":\"no_such_record\"}";
        File.WriteAllLines(PathOf, lines);
        var e = Assert.Throws<InvalidDataException>(() => CoordinatorJournal.Read(PathOf));
        Assert.StartsWith($"{PathOf} line 2: not a journal record", e.Message);
    }

    [Fact]
    public void Restart_AtAStageBoundary_LeavesOnlyTheNewStagesRecord_AndAppendsGoOnAfterIt()
    {
        using (var journal = CoordinatorJournal.Open(PathOf, 0))
        {
            journal.Append(new StageStartedRecord("rl:base"));
            journal.Append(Unit(0, 0));
            journal.Restart(new StageStartedRecord("rl:remit"));
            journal.Append(Unit(5, 2) with { Stage = "rl:remit" });
        }
        var read = CoordinatorJournal.Read(PathOf).Records;
        Assert.Equal(2, read.Count);
        Assert.Equal(new StageStartedRecord("rl:remit"), read[0]);
        Assert.Equal("rl:remit", Assert.IsType<UnitVerifiedRecord>(read[1]).Stage);
        Assert.False(File.Exists(PathOf + ".next"));
    }
}
