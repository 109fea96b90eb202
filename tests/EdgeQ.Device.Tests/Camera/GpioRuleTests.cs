using EdgeQ.CommandLine;
using EdgeQ.Device.Camera;

namespace EdgeQ.Device.Tests.Camera;

public class GpioRuleTests
{
    private static readonly string[] Labels = ["background", "person", "dog"];

    [Theory]
    [InlineData("person>=0.6", "person", Comparison.AtLeast, 0.6f)]
    [InlineData("person>0.6", "person", Comparison.Above, 0.6f)]
    [InlineData("dog<=0.25", "dog", Comparison.AtMost, 0.25f)]
    [InlineData("dog<1e-2", "dog", Comparison.Below, 0.01f)]
    [InlineData(" 2 >= -1.5 ", "2", Comparison.AtLeast, -1.5f)]
    [InlineData("traffic light>=0.5", "traffic light", Comparison.AtLeast, 0.5f)]
    public void Parses_label_operator_and_threshold(string text, string label, Comparison comparison, float threshold) =>
        Assert.Equal(new GpioRule(label, comparison, threshold), GpioRule.Parse(text));

    [Theory]
    [InlineData("person", "no comparison")]
    [InlineData("person=0.6", "no comparison")]
    [InlineData(">=0.6", "no label or class index")]
    [InlineData("person>=", "'' is not a number")]
    [InlineData("person>=0.6x", "'0.6x' is not a number")]
    [InlineData("person>=NaN", "'NaN' is not a number")]
    [InlineData("person<>0.6", "'>0.6' is not a number")]
    public void Rejects_malformed_rules_with_one_line(string text, string problem)
    {
        var error = Assert.Throws<UsageException>(() => GpioRule.Parse(text));
        Assert.Contains(problem, error.Message);
        Assert.Contains("expected LABEL>=0.6", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("person>=0.6", 1)]
    [InlineData("0>=0.6", 0)]
    [InlineData("2<0.1", 2)]
    public void Binds_a_label_or_a_class_index(string text, int classIndex) =>
        Assert.Equal(classIndex, GpioRule.Parse(text).Bind(Labels, 3).ClassIndex);

    [Fact]
    public void A_label_that_is_a_number_wins_over_the_index_it_spells()
    {
        string[] digits = ["1", "0"];
        Assert.Equal(1, GpioRule.Parse("0>0.5").Bind(digits, 2).ClassIndex);
    }

    [Theory]
    [InlineData("cat>=0.6", "'cat' is neither one of the model's 3 labels nor a class index from 0 to 2")]
    [InlineData("Person>=0.6", "'Person' is neither")]
    [InlineData("3>=0.6", "'3' is neither")]
    public void Unknown_labels_and_out_of_range_indices_are_usage_errors(string text, string message) =>
        Assert.Contains(message, Assert.Throws<UsageException>(() => GpioRule.Parse(text).Bind(Labels, 3)).Message);

    [Fact]
    public void Without_labels_only_indices_bind() =>
        Assert.Contains("the model has no labels, so the class must be an index from 0 to 9",
            Assert.Throws<UsageException>(() => GpioRule.Parse("dog>0.5").Bind([], 10)).Message);

    [Theory]
    [InlineData("person>=0.6", 0.6f, true)]
    [InlineData("person>=0.6", 0.59f, false)]
    [InlineData("person>0.6", 0.6f, false)]
    [InlineData("person<=0.6", 0.6f, true)]
    [InlineData("person<0.6", 0.6f, false)]
    [InlineData("person<0.6", 0.1f, true)]
    public void Holds_compares_the_bound_class_score(string text, float score, bool holds) =>
        Assert.Equal(holds, GpioRule.Parse(text).Bind(Labels, 3).Holds([0.9f, score, 0.2f]));
}
