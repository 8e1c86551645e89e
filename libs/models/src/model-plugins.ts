import { PluginRegistry } from '@ropline/core';
import { compactCnnClassifierPlugin } from './classifiers/compact-cnn.classifier.js';
import { inceptionV3ClassifierPlugin } from './classifiers/inception-v3.classifier.js';
import { unetSegmenterPlugin } from './segmenters/unet.segmenter.js';

/** The segmenter and classifier plugins ROPline ships (data, for an app's plugins.ts). */
export const SEGMENTER_PLUGINS = [unetSegmenterPlugin] as const;
export const CLASSIFIER_PLUGINS = [inceptionV3ClassifierPlugin, compactCnnClassifierPlugin] as const;

/** Every architecture a model artifact may name; a missing or duplicate id fails loudly. */
export const MODEL_REGISTRY = new PluginRegistry([...SEGMENTER_PLUGINS, ...CLASSIFIER_PLUGINS]);
