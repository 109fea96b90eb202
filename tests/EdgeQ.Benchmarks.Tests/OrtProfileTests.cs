using EdgeQ.Benchmarks.Layers;

namespace EdgeQ.Benchmarks.Tests;

public class OrtProfileTests
{
    /// <summary>The shape of ONNX Runtime 1.31.1's trace: session events, then per run fences and kernel times.</summary>
    private const string Trace = """
        [
          {"cat": "Session", "pid": 1, "tid": 1, "dur": 900, "ts": 10, "ph": "X", "name": "session_initialization", "args": {}},
          {"cat": "Node", "pid": 1, "tid": 1, "dur": 0, "ts": 1000, "ph": "X", "name": "Conv_0_token_61_fence_before", "args": {"op_name": "QLinearConv"}},
          {"cat": "Node", "pid": 1, "tid": 1, "dur": 250, "ts": 1001, "ph": "X", "name": "Conv_0_token_61_kernel_time", "args": {"op_name": "QLinearConv", "provider": "CPUExecutionProvider"}},
          {"cat": "Node", "pid": 1, "tid": 1, "dur": 12, "ts": 1260, "ph": "X", "name": "Transpose_kernel_time", "args": {"op_name": "Transpose"}},
          {"cat": "Session", "pid": 1, "tid": 1, "dur": 400, "ts": 995, "ph": "X", "name": "model_run", "args": {}},
          {"cat": "Node", "pid": 1, "tid": 1, "dur": 240, "ts": 2001, "ph": "X", "name": "Conv_0_token_61_kernel_time", "args": {"op_name": "QLinearConv"}},
          {"cat": "Node", "pid": 1, "tid": 1, "dur": 10, "ts": 2250, "ph": "X", "name": "Transpose_kernel_time", "args": {"op_name": "Transpose"}},
          {"cat": "Session", "pid": 1, "tid": 1, "dur": 300, "ts": 1995, "ph": "X", "name": "model_run", "args": {}}
        ]
        """;

    [Fact]
    public void Kernel_times_are_grouped_by_the_run_they_fall_in()
    {
        var runs = OrtProfile.Runs(Trace);
        Assert.Equal(2, runs.Count);
        Assert.Equal([new NodeTime("Conv_0_token_61", "QLinearConv", 0.25), new NodeTime("Transpose", "Transpose", 0.012)], runs[0]);
        Assert.Equal([new NodeTime("Conv_0_token_61", "QLinearConv", 0.24), new NodeTime("Transpose", "Transpose", 0.01)], runs[1]);
    }
}
