namespace ReMiT.Training.Reporting;

/// <summary>A chart the report will draw: its section heading, title, file under plots/ and renderer.</summary>
internal sealed record ReportPlot(string Section, string Title, string FileName, Func<byte[]> Render);
