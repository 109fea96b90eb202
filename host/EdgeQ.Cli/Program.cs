Console.WriteLine("edgeq: quantize float ONNX CNNs to int8 with bias correction");
return 0;
