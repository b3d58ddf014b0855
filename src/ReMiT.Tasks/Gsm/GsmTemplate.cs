namespace ReMiT.Tasks.Gsm;

/// <summary>
/// A "context": the world a problem is told in. Quantities are "{item} in {location}"; a location's
/// total sums every item stated for it. Items come in groups, and one problem draws from one group
/// (GSM-Infinite's zoo problems are all birds or all mammals).
/// </summary>
/// <param name="Key">Short name used on the command line: zoo, teachers, movie.</param>
/// <param name="Name">GSM-Infinite's template name, e.g. crazy_zootopia.</param>
/// <param name="ItemGroups">Item phrases, grouped; none may contain the words "a" or "as", which
/// the reward's "Define … as X;" pattern would split on.</param>
/// <param name="Locations">Location names.</param>
/// <param name="TotalNoun">What a total counts: "adult animals" gives "total number of adult animals in L".</param>
public sealed record GsmTemplate(
    string Key,
    string Name,
    IReadOnlyList<IReadOnlyList<string>> ItemGroups,
    IReadOnlyList<string> Locations,
    string TotalNoun)
{
    /// <summary>Animals in zoos and ranches (GSM-Infinite crazy_zootopia).</summary>
    public static GsmTemplate Zoo { get; } = new(
        "zoo",
        "crazy_zootopia",
        [
            ["adult crow", "adult eagle", "adult owl", "adult parrot", "adult blue jay"],
            ["adult fox", "adult bear", "adult deer", "adult wolf", "adult racoon"],
        ],
        ["Bundle Ranch", "South Zoo", "Mayer Aquarium", "Hamilton Farm", "Beverly Forest",
         "Oakridge Riverside", "Pine Ridge", "Cedar Valley", "Maple Creek"],
        "adult animals");

    /// <summary>Schools in cities (GSM-Infinite teachers_in_school, worded as the Interplay data words it).</summary>
    public static GsmTemplate Teachers { get; } = new(
        "teachers",
        "teachers_in_school",
        [["public highschool", "private middle school", "elementary school", "culinarian school", "regional medical school"]],
        ["Hawkesbury", "Glenfield City", "Brightford", "Westhaven City", "Evervale City",
         "Riverton City", "Ruby Bay", "Oakbridge City", "Clearwater Bay"],
        "schools");

    /// <summary>Films shown at festivals (GSM-Infinite movie_festival_awards).</summary>
    public static GsmTemplate MovieFestival { get; } = new(
        "movie",
        "movie_festival_awards",
        [["calm road movie", "futuristic sci-fi movie", "intense detective thriller", "upbeat metropolis comedy",
          "solemn period drama", "gritty survival film"]],
        ["Festival de Saint-Rivage", "Verdant Fields Film Gathering", "Northwood Movie Festival",
         "Golden Banana Film Festival", "Taylor Movie Festival", "Rosewood Screening Week",
         "Cinema du Lac Festival", "Silver Harbor Film Week"],
        "movies");

    public static IReadOnlyList<GsmTemplate> All { get; } = [Zoo, Teachers, MovieFestival];

    /// <summary>Finds a template by key (zoo, teachers, movie) or GSM-Infinite name, case-insensitively.</summary>
    public static GsmTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        return All.FirstOrDefault(x => string.Equals(x.Key, t, StringComparison.OrdinalIgnoreCase)
                || string.Equals(x.Name, t, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException(
                $"unknown GSM context '{text}'; expected one of {string.Join(", ", All.Select(x => x.Key))}", nameof(text));
    }

    internal string Instance(string item, string location) => $"{item} in {location}";

    internal string Total(string location) => $"total number of {TotalNoun} in {location}";
}
