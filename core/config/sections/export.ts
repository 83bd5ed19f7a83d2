import { z } from 'zod';

/**
 * Reduced-precision exports. int8: static quantization to a QDQ graph, scales calibrated on train
 * images through the float model; every variant is evaluated next to the float model on the test
 * split and refused when it loses more than `max_accuracy_drop` points of accuracy.
 */
export const quantizeSection = z.strictObject({
  /** 'none' keeps the float export only; 'int8' also writes <out>.int8.onnx. */
  type: z.enum(['none', 'int8']).default('none'),
  /** How activation ranges are chosen from the calibration values (onnxruntime's calibrators). */
  method: z.enum(['minmax', 'percentile', 'entropy']).default('minmax'),
  /** Train images run through the float model to calibrate. */
  calibration_images: z.number().int().positive().default(512),
  /**
   * Activation element type. uint8 × int8 weights is the fast path of onnxruntime's x86 kernels: on
   * the default network int8 activations ran 5.6× slower, onnxruntime fusing only part of that graph.
   */
  activations: z.enum(['uint8', 'int8']).default('uint8'),
  /** For method percentile: the share of |x| kept inside the range. */
  percentile: z.number().gt(0).max(100).default(99.999),
  /** Histogram bins of the percentile and entropy methods. */
  bins: z.number().int().min(128).max(65536).default(2048),
  /** Test accuracy (in points, 1 = 1 %) a variant may lose against the float model before it is refused. */
  max_accuracy_drop: z.number().min(0).max(100).default(1),
});

export const exportSection = z.strictObject({
  input: z.enum(['uint8-nhwc', 'float32-nchw', 'float32-nhwc']).default('uint8-nhwc'),
  verify: z.boolean().default(true),
  /** Max abs difference allowed on probabilities between TensorFlow.js and onnxruntime. */
  tolerance: z.number().positive().default(1e-4),
  fold_batchnorm: z.boolean().default(true),
  /** fp16 also writes <out>.fp16.onnx: float16 weights and compute, float32 inputs and outputs. */
  precision: z.enum(['fp32', 'fp16']).default('fp32'),
  quantize: quantizeSection.prefault({}),
});
