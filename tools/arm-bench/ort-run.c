// Runs an ONNX model N times with ONNX Runtime's C API on one thread, on a fixed input, so that the instruction count
// of N runs minus that of 1 run is the cost of N-1 inferences (session creation and start-up cancel out).
// Usage: ort-run MODEL.onnx N
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "onnxruntime_c_api.h"

static const OrtApi *ort;

static void check(OrtStatus *status)
{
    if (!status) return;
    fprintf(stderr, "ort-run: %s\n", ort->GetErrorMessage(status));
    ort->ReleaseStatus(status);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: ort-run MODEL.onnx N\n"); return 2; }
    int runs = atoi(argv[2]);
    ort = OrtGetApiBase()->GetApi(ORT_API_VERSION);

    OrtEnv *env;
    check(ort->CreateEnv(ORT_LOGGING_LEVEL_WARNING, "ort-run", &env));
    OrtSessionOptions *options;
    check(ort->CreateSessionOptions(&options));
    // One core, no pool threads: the count is the work of one inference, not of spinning workers.
    check(ort->SetIntraOpNumThreads(options, 1));
    check(ort->SetInterOpNumThreads(options, 1));
    check(ort->SetSessionExecutionMode(options, ORT_SEQUENTIAL));
    check(ort->SetSessionGraphOptimizationLevel(options, ORT_ENABLE_ALL));
    OrtSession *session;
    check(ort->CreateSession(env, argv[1], options, &session));

    OrtAllocator *allocator;
    check(ort->GetAllocatorWithDefaultOptions(&allocator));
    char *input_name, *output_name;
    check(ort->SessionGetInputName(session, 0, allocator, &input_name));
    check(ort->SessionGetOutputName(session, 0, allocator, &output_name));

    OrtTypeInfo *type_info;
    check(ort->SessionGetInputTypeInfo(session, 0, &type_info));
    const OrtTensorTypeAndShapeInfo *tensor_info;
    check(ort->CastTypeInfoToTensorInfo(type_info, &tensor_info));
    size_t rank;
    check(ort->GetDimensionsCount(tensor_info, &rank));
    int64_t shape[8];
    if (rank > 8) { fprintf(stderr, "ort-run: input rank %zu > 8\n", rank); return 1; }
    check(ort->GetDimensions(tensor_info, shape, rank));
    size_t elements = 1;
    for (size_t i = 0; i < rank; i++) {
        if (shape[i] <= 0) shape[i] = 1; // a symbolic batch dimension: one image
        elements *= (size_t)shape[i];
    }
    ort->ReleaseTypeInfo(type_info);

    // A fixed pseudo-random input in [-1, 1): the same bytes on every run and every core.
    float *data = malloc(elements * sizeof(float));
    unsigned state = 12345;
    for (size_t i = 0; i < elements; i++) {
        state = state * 1103515245u + 12345u;
        data[i] = (float)((state >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
    OrtMemoryInfo *memory;
    check(ort->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memory));
    OrtValue *input;
    check(ort->CreateTensorWithDataAsOrtValue(memory, data, elements * sizeof(float), shape, rank,
                                              ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &input));

    const char *input_names[] = {input_name};
    const char *output_names[] = {output_name};
    float checksum = 0;
    for (int r = 0; r < runs; r++) {
        OrtValue *output = NULL;
        check(ort->Run(session, NULL, input_names, (const OrtValue *const *)&input, 1, output_names, 1, &output));
        float *values;
        check(ort->GetTensorMutableData(output, (void **)&values));
        checksum = values[0];
        ort->ReleaseValue(output);
    }
    printf("%d run(s), output[0] = %g\n", runs, checksum);

    ort->ReleaseValue(input);
    ort->ReleaseMemoryInfo(memory);
    allocator->Free(allocator, input_name);
    allocator->Free(allocator, output_name);
    ort->ReleaseSession(session);
    ort->ReleaseSessionOptions(options);
    ort->ReleaseEnv(env);
    free(data);
    return 0;
}
