using ReMiT.Training.Storage;

namespace ReMiT.Training.Tests.Storage;

public sealed class DiskFullTests
{
    [Fact]
    public void Is_WriteToDevFull_RecognisesHowDotNetReportsEnospc()
    {
        // Linux's /dev/full answers every write with ENOSPC: the real error .NET raises on a full disk, without filling one.
        var e = Assert.ThrowsAny<IOException>(() =>
        {
            using var stream = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
            stream.Write(new byte[4096]);
            stream.Flush(flushToDisk: true);
        });
        Assert.Equal(DiskFull.Enospc, e.HResult);
        Assert.True(DiskFull.Is(e));
    }

    [Fact]
    public void Is_OtherIoErrors_AreNotDiskFull()
    {
        Assert.False(DiskFull.Is(new IOException("Input/output error", 5)));           // EIO
        Assert.False(DiskFull.Is(new FileNotFoundException("gone")));
        Assert.False(DiskFull.Is(new InvalidOperationException("not I/O") { HResult = DiskFull.Enospc }));
        Assert.True(DiskFull.Is(new IOException("No space left on device", DiskFull.Enospc)));
        Assert.True(DiskFull.Is(new IOException("There is not enough space on the disk.", unchecked((int)0x80070070))));
    }

    [Fact]
    public void Explain_NamesThePathAndWhatToDo_AndKeepsTheCause()
    {
        var cause = new IOException("No space left on device", DiskFull.Enospc);
        var e = DiskFull.Explain(cause, "/runs/a/checkpoints/pretrain", "the pretrain checkpoint of step 40");
        Assert.Contains("/runs/a/checkpoints/pretrain", e.Message);
        Assert.Contains("step 40", e.Message);
        Assert.Contains("Free space", e.Message);
        Assert.Contains("--resume", e.Message);
        Assert.Same(cause, e.InnerException);
        Assert.True(DiskFull.Is(e));
    }
}
