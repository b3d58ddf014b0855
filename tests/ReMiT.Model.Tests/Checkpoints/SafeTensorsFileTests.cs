using System.Buffers.Binary;
using System.Text;
using ReMiT.Model.Checkpoints;
using ReMiT.Tests.Shared;
using TorchSharp;

namespace ReMiT.Model.Tests.Checkpoints;

public sealed class SafeTensorsFileTests : IDisposable
{
    private static readonly string Llama = RepoPaths.Fixture("hf-reference", "llama-tiny", "model.safetensors");
    private static readonly string Qwen2 = RepoPaths.Fixture("hf-reference", "qwen2-tiny", "model.safetensors");

    private readonly string _dir = Directory.CreateTempSubdirectory("remit-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ReadHeader_LlamaFixture_ListsTensorsInDataOrderWithMetadata()
    {
        var header = SafeTensorsFile.ReadHeader(Llama);

        Assert.Equal(21, header.Tensors.Count);
        Assert.Equal("pt", header.Metadata["format"]);
        Assert.Equal(8 + 2136, header.DataStart);
        var up = Assert.Single(header.Tensors, t => t.Name == "model.layers.0.mlp.up_proj.weight");
        Assert.Equal("F32", up.DType);
        Assert.Equal([176L, 64L], up.Shape);
        Assert.Equal((254208L, 299264L), (up.Begin, up.End));
        Assert.Equal("lm_head.weight", header.Tensors[0].Name);
    }

    [Fact]
    public void Load_LlamaFixture_GivesShapesDtypesAndValuesPythonReads()
    {
        using var scope = torch.NewDisposeScope();
        var tensors = SafeTensorsFile.Load(Llama);

        Assert.Equal(21, tensors.Count);
        var q = tensors["model.layers.0.self_attn.q_proj.weight"];
        Assert.Equal(torch.ScalarType.Float32, q.dtype);
        Assert.Equal([64L, 64L], q.shape);
        Assert.Equal(DeviceType.CPU, q.device_type);
        // Values read from the file with Python's struct module.
        Assert.Equal([-0.011575670912861824f, -0.0017687587533146143f, 0.01301113236695528f, 0.003423013025894761f],
            q.view(-1)[..4].data<float>().ToArray());
        Assert.Equal(-0.043313201516866684f, q[63, 63].item<float>());
        Assert.Equal(1.2884258376961952, q.to(torch.float64).sum().item<double>(), 1e-9);
        Assert.Equal(62.83590871095657, tensors["model.norm.weight"].to(torch.float64).sum().item<double>(), 1e-9);
        Assert.Equal([320L, 64L], tensors["lm_head.weight"].shape);
        Assert.Equal([32L, 64L], tensors["model.layers.1.self_attn.k_proj.weight"].shape);
    }

    [Fact]
    public void Load_Qwen2Fixture_HasBiasesAndNoLmHead()
    {
        using var scope = torch.NewDisposeScope();
        var tensors = SafeTensorsFile.Load(Qwen2);

        Assert.Equal(26, tensors.Count);
        Assert.DoesNotContain("lm_head.weight", tensors.Keys); // tied to embed_tokens
        var bias = tensors["model.layers.1.self_attn.v_proj.bias"];
        Assert.Equal([16L], bias.shape);
        Assert.Equal([0.021046316251158714f, 0.06703928858041763f, 0.0031306103337556124f, -0.026556331664323807f],
            bias[..4].data<float>().ToArray());
        Assert.Equal(0.14642351097427309, bias.to(torch.float64).sum().item<double>(), 1e-9);
        Assert.Equal(-2.890207360874683, tensors["model.embed_tokens.weight"].to(torch.float64).sum().item<double>(), 1e-7);
    }

    [Fact]
    public void Save_LoadedLlamaFixture_IsByteIdenticalToPythonOutput()
    {
        using var scope = torch.NewDisposeScope();
        var tensors = SafeTensorsFile.Load(Llama);
        string copy = Path.Combine(_dir, "copy.safetensors");

        SafeTensorsFile.Save(copy, tensors.Reverse(), SafeTensorsFile.PyTorchMetadata);

        Assert.Equal(File.ReadAllBytes(Llama), File.ReadAllBytes(copy));
    }

    [Theory]
    [InlineData(torch.ScalarType.Float32)]
    [InlineData(torch.ScalarType.BFloat16)]
    [InlineData(torch.ScalarType.Float16)]
    [InlineData(torch.ScalarType.Float64)]
    [InlineData(torch.ScalarType.Int64)]
    [InlineData(torch.ScalarType.Int32)]
    [InlineData(torch.ScalarType.Bool)]
    public void SaveLoad_EachDtype_RoundTripsBitExact(torch.ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        var original = (torch.randn(3, 5, 7) * 1000).to(dtype);
        string path = Path.Combine(_dir, $"{dtype}.safetensors");

        SafeTensorsFile.Save(path, [new("x", original)]);
        var loaded = SafeTensorsFile.Load(path)["x"];

        Assert.Equal(dtype, loaded.dtype);
        Assert.Equal(original.shape, loaded.shape);
        Assert.Equal(original.bytes.ToArray(), loaded.bytes.ToArray());
    }

    [Fact]
    public void Save_MixedDtypes_OrdersByAlignmentThenNameLikePython()
    {
        using var scope = torch.NewDisposeScope();
        string path = Path.Combine(_dir, "mixed.safetensors");
        SafeTensorsFile.Save(path,
        [
            new("b", torch.ones(2, dtype: torch.bfloat16)),
            new("a", torch.ones(3, dtype: torch.bfloat16)),
            new("flag", torch.ones(1, dtype: torch.@bool)),
            new("step", torch.tensor(42L)), // 0-dim: shape []
            new("w", torch.ones(2, 2)),
            new("h", torch.ones(1, dtype: torch.float16)),
        ]);

        var header = SafeTensorsFile.ReadHeader(path);

        Assert.Equal(["step", "w", "a", "b", "h", "flag"], header.Tensors.Select(t => t.Name));
        Assert.Equal(0, (header.DataStart - 8) % 8); // header padded to 8 bytes
        Assert.Empty(header.Metadata);
        Assert.Empty(header.Tensors[0].Shape);
        using var step = SafeTensorsFile.Load(path, torch.CPU)["step"];
        Assert.Equal(0, step.dim());
        Assert.Equal(42L, step.item<long>());
    }

    [Fact]
    public void Save_NonContiguousTensorWithGrad_WritesItsLogicalValues()
    {
        using var scope = torch.NewDisposeScope();
        var w = torch.arange(6, dtype: torch.float32).reshape(2, 3).requires_grad_();
        var transposed = w.t();
        string path = Path.Combine(_dir, "t.safetensors");

        SafeTensorsFile.Save(path, [new("t", transposed)]);
        var loaded = SafeTensorsFile.Load(path)["t"];

        Assert.Equal([3L, 2L], loaded.shape);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], loaded.data<float>().ToArray());
        Assert.False(loaded.requires_grad);
    }

    [Fact]
    public void SaveLoad_TensorLargerThanOneChunk_CopiesPiecewiseIntact()
    {
        long saved = SafeTensorsFile.ChunkBytes;
        SafeTensorsFile.ChunkBytes = 24; // 6 floats per piece; 35 floats leave a short last piece
        try
        {
            using var scope = torch.NewDisposeScope();
            var x = torch.randn(5, 7);
            string path = Path.Combine(_dir, "chunks.safetensors");

            SafeTensorsFile.Save(path, [new("x", x), new("y", torch.ones(0))]);
            var loaded = SafeTensorsFile.Load(path);

            Assert.Equal(x.bytes.ToArray(), loaded["x"].bytes.ToArray());
            Assert.Equal([0L], loaded["y"].shape);
        }
        finally
        {
            SafeTensorsFile.ChunkBytes = saved;
        }
    }

    [Fact]
    public void Save_ExistingFile_ReplacesItAndLeavesNoTemporaryFiles()
    {
        using var scope = torch.NewDisposeScope();
        string path = Path.Combine(_dir, "model.safetensors");
        File.WriteAllText(path, "old");

        SafeTensorsFile.Save(path, [new("x", torch.zeros(2))]);

        Assert.Equal(["model.safetensors"], Directory.GetFiles(_dir).Select(Path.GetFileName));
        Assert.Equal([0f, 0f], SafeTensorsFile.Load(path)["x"].data<float>().ToArray());
    }

    [Fact]
    public void Save_DuplicateName_ThrowsNamingTheTensor()
    {
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Save(Path.Combine(_dir, "d.safetensors"),
            [new("x", torch.zeros(1)), new("x", torch.ones(1))]));
        Assert.Contains("'x' is given twice", e.Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void ReadHeader_FileShorterThan8Bytes_SaysTruncated()
    {
        string path = Write("short.safetensors", [1, 2, 3]);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadHeader(path));
        Assert.Equal("short.safetensors: the file is 3 bytes, shorter than the 8-byte header length; it is truncated or not a safetensors file.", e.Message);
    }

    [Fact]
    public void ReadHeader_HeaderLengthBeyondFile_NamesBothLengths()
    {
        var bytes = new byte[8 + 10];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 5000);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadHeader(Write("long.safetensors", bytes)));
        Assert.Contains("long.safetensors: the header length field says 5000 bytes but only 10 bytes follow it", e.Message);
    }

    [Fact]
    public void ReadHeader_InvalidJson_SaysSo()
    {
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadHeader(Craft("{\"x\": {\"dtype\": \"F32\",", 0)));
        Assert.StartsWith("bad.safetensors: the header is not valid JSON (", e.Message);
    }

    [Fact]
    public void ReadHeader_OffsetsNotMatchingShape_NamesTensorAndSizes()
    {
        string json = """{"model.layers.0.mlp.up_proj.weight":{"dtype":"F32","shape":[176,160],"data_offsets":[0,1000]}}""";
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadHeader(Craft(json, 1000)));
        Assert.Equal(
            "bad.safetensors: tensor 'model.layers.0.mlp.up_proj.weight' needs 112640 bytes (F32 [176,160]) but its " +
            "data_offsets [0,1000] span 1000; the file is corrupt, truncated or not a safetensors file.", e.Message);
    }

    [Fact]
    public void ReadHeader_UnknownDtype_ListsSupportedOnes()
    {
        string json = """{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}""";
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadHeader(Craft(json, 2)));
        Assert.Contains("tensor 'w' has dtype 'F8_E4M3', which this reader does not support (supported: BOOL, U8, I8, I16, F16, BF16, I32, F32, F64, I64)", e.Message);
    }

    [Fact]
    public void ReadHeader_OverlappingTensors_NamesBoth()
    {
        string json = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""";
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadHeader(Craft(json, 12)));
        Assert.Contains("tensor 'b' [4,12] overlaps tensor 'a' [0,8]", e.Message);
    }

    [Fact]
    public void ReadHeader_GapBetweenTensors_SaysWhere()
    {
        string json = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""";
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadHeader(Craft(json, 12)));
        Assert.Contains("tensor 'b' starts at byte 8 but the previous tensor ends at 4", e.Message);
    }

    [Fact]
    public void ReadHeader_ExtraDataAfterTensors_ReportsSizeMismatch()
    {
        string json = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""";
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadHeader(Craft(json, 16)));
        Assert.Contains("the tensors cover 4 bytes but the data region holds 16", e.Message);
    }

    [Fact]
    public void Load_TruncatedFixture_NamesTheTensorPastTheEnd()
    {
        var bytes = File.ReadAllBytes(Llama);
        string path = Write("model.safetensors", bytes[..^100]);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Load(path));
        Assert.Contains("model.safetensors: tensor 'model.norm.weight' ends at byte 533760 but the data region holds only 533660 bytes", e.Message);
    }

    [Fact]
    public void ReadHeader_DuplicateTensorName_SaysTwice()
    {
        string json = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""";
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadHeader(Craft(json, 8)));
        Assert.Contains("the header lists 'a' twice", e.Message);
    }

    /// <summary>A file with the given header JSON (unpadded) and <paramref name="dataBytes"/> zero bytes of data.</summary>
    private string Craft(string headerJson, int dataBytes)
    {
        byte[] json = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return Write("bad.safetensors", bytes);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void ReadInto_OneTensor_FillsTheDestinationWithItsValues()
    {
        string path = Path.Combine(_dir, "two.safetensors");
        using var a = torch.tensor(new[] { 1f, 2, 3 });
        using var b = torch.tensor(new long[] { 7 });
        SafeTensorsFile.Save(path, new Dictionary<string, torch.Tensor> { ["a"] = a, ["b"] = b });

        using var into = torch.zeros(3);
        SafeTensorsFile.ReadInto(path, "a", into);
        Assert.Equal([1f, 2, 3], into.data<float>().ToArray());
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadInto(path, "c", into));
        Assert.Contains("'c' is missing", e.Message);
    }

    [Fact]
    public void Save_BeforeWrite_CalledWithEachNameInFileOrderBeforeItsBytes()
    {
        // One reused buffer, refilled per tensor from the callback: the file must hold each tensor's own values.
        string path = Path.Combine(_dir, "reused.safetensors");
        using var buffer = torch.zeros(2);
        using var step = torch.tensor(new long[] { 5 });
        var order = new List<string>();
        var values = new Dictionary<string, float> { ["y"] = 2, ["x"] = 1 };
        SafeTensorsFile.Save(path, new Dictionary<string, torch.Tensor> { ["y"] = buffer, ["step"] = step, ["x"] = buffer },
            beforeWrite: name => { order.Add(name); if (values.TryGetValue(name, out float v)) buffer.fill_(v); });

        Assert.Equal(["step", "x", "y"], order); // I64 first (alignment 8), then by name
        var loaded = SafeTensorsFile.Load(path);
        Assert.Equal([1f, 1], loaded["x"].data<float>().ToArray());
        Assert.Equal([2f, 2], loaded["y"].data<float>().ToArray());
        foreach (var t in loaded.Values) t.Dispose();
    }
}
