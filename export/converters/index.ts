/** Loading this module registers every converter family. */
import './core.js';
import './convolutional.js';
import './normalization.js';
import './pooling.js';
import './merge.js';
import './advanced-activations.js';
import './dropout.js';
import './preprocessing.js';

export { supportedClasses } from '../registry.js';
