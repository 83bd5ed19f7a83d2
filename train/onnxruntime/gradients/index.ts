/** Loads every gradient builder into the registry. */
import './activations.js';
import './convolution.js';
import './elementwise.js';
import './linear.js';
import './normalization.js';
