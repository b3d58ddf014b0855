using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReMiT.Cli.JsonLines;
using ReMiT.Tokenization;
using ReMiT.Tokenization.Training;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit tokenizer train</c>: trains our byte-level BPE on a JSON Lines corpus.</summary>
internal static class TokenizerCommand
{
    public static Command Create()
    {
        var command = new Command("tokenizer", "Build tokenizers.");
        command.Subcommands.Add(CreateTrain());
        return command;
    }

    private static Command CreateTrain()
    {
        var inputOption = new Option<string>("--input") { Description = "JSON Lines corpus.", Required = true };
        var fieldOption = new Option<string>("--field") { Description = "The string field holding the text.", DefaultValueFactory = _ => "text" };
        var vocabOption = new Option<int>("--vocab-size") { Description = "Total vocab: special tokens + 256 bytes + merges.", DefaultValueFactory = _ => 2200 };
        var minFrequencyOption = new Option<int>("--min-frequency") { Description = "Never merge a pair seen fewer times.", DefaultValueFactory = _ => 2 };
        var outOption = new Option<string>("--out") { Description = "Directory to write tokenizer.json into.", Required = true };
        var command = new Command("train", "Train a byte-level BPE (Qwen-style split, single digits, task markup and BOS/EOS/PAD as special tokens) and save it as a Hugging Face tokenizer.json.\n\nExample:\n  remit tokenizer train --input corpus.jsonl --field text --vocab-size 2200 --out runs/tok");
        command.Options.Add(inputOption);
        command.Options.Add(fieldOption);
        command.Options.Add(vocabOption);
        command.Options.Add(minFrequencyOption);
        command.Options.Add(outOption);
        command.SetAction(parseResult =>
        {
            string input = parseResult.GetValue(inputOption)!, field = parseResult.GetValue(fieldOption)!, outDir = parseResult.GetValue(outOption)!;
            if (!File.Exists(input))
            {
                Console.Error.WriteLine($"Input file '{input}' does not exist.");
                return 1;
            }
            (List<string> texts, int bad) = ReadTexts(input, field);
            if (texts.Count == 0)
            {
                Console.Error.WriteLine($"{input}: no line has a string field '{field}'; nothing to train on.");
                return 1;
            }
            var options = new BpeTrainerOptions { VocabSize = parseResult.GetValue(vocabOption), MinFrequency = parseResult.GetValue(minFrequencyOption) };
            var clock = Stopwatch.StartNew();
            HfTokenizer tokenizer = BpeTrainer.Train(texts, options);
            clock.Stop();
            string path = Path.Combine(outDir, "tokenizer.json");
            tokenizer.Save(path);
            long bytes = 0, tokens = 0;
            foreach (string text in texts)
            {
                bytes += Encoding.UTF8.GetByteCount(text);
                tokens += tokenizer.Encode(text).Length;
            }
            Console.WriteLine($"wrote:       {path}");
            Console.WriteLine($"texts:       {texts.Count} ({bytes / 1e6:F2} MB)");
            Console.WriteLine($"vocab size:  {tokenizer.VocabSize}");
            Console.WriteLine($"merges:      {tokenizer.Merges.Count}");
            Console.WriteLine($"train time:  {clock.Elapsed.TotalSeconds:F2} s");
            Console.WriteLine($"compression: {(tokens == 0 ? 0 : bytes / (double)tokens):F2} bytes/token on the training text");
            return bad == 0 ? 0 : 1;
        });
        return command;
    }

    private static (List<string> Texts, int Bad) ReadTexts(string input, string field)
    {
        var texts = new List<string>();
        int bad = 0, lineNo = 0;
        foreach (string line in File.ReadLines(input, Encoding.UTF8))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                if (JsonNode.Parse(line) is not JsonObject obj) throw new JsonLineException("expected a JSON object");
                texts.Add(JsonLinesFile.Required<string>(obj, field));
            }
            catch (Exception e) when (e is JsonException or JsonLineException)
            {
                bad++;
                Console.Error.WriteLine($"{input}:{lineNo}: {e.Message}");
            }
        }
        return (texts, bad);
    }
}
