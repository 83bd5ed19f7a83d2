/** The engine for a model on the backend selectBackend chose: onnxruntime-node when it was picked, TensorFlow.js otherwise. */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../core/config/index.js';
import { activeBackend, type SelectedBackend } from '../backend/select.js';
import { OnnxRuntimeEngine } from '../onnxruntime/engine.js';
import type { TrainingEngine } from './engine.js';
import { TfjsEngine } from './tfjs-engine.js';

export async function createEngine(model: tf.LayersModel, train: TrainConfig, backend: SelectedBackend | null = activeBackend()): Promise<TrainingEngine> {
  if (backend?.onnxruntime) return OnnxRuntimeEngine.create(model, { train, ...backend.onnxruntime });
  return new TfjsEngine(model, train, backend?.name ?? tf.getBackend());
}
