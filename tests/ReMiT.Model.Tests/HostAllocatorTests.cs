using System.Collections;
using ReMiT.Model;

namespace ReMiT.Model.Tests;

public sealed class HostAllocatorTests
{
    [Theory]
    [InlineData("MALLOC_MMAP_THRESHOLD_")]
    [InlineData("MALLOC_TRIM_THRESHOLD_")]
    public void Tune_EnvironmentSetsItsOwn_LeavesItAndSaysWhich(string variable)
    {
        // bench memory and users who measure resident memory set glibc's variables themselves; they must win.
        string status = HostAllocator.Tune(new Hashtable { [variable] = "131072", ["PATH"] = "/usr/bin" });

        Assert.Equal($"left to the environment ({variable} is set)", status);
        Assert.Equal(status, HostAllocator.Status);
    }

    // Tuning itself (mallopt on the whole process) is tested in a child process: ReMiT.Cli.Tests' HostAllocatorProcessTests.
}
