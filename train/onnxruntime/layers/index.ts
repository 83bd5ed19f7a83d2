/** Loads every training-form layer converter into the registry. */
import './activations.js';
import './convolution.js';
import './normalization.js';
import './structure.js';
