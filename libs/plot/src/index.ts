/**
 * libs/plot — report charts as SVG strings (line, precision-recall, confusion matrix, grouped bars)
 * and their PNG rendering with resvg. Pure string builders; only `writeChartPng` touches the disk.
 */
export * from './charts.js';
export * from './render.js';
export { escapeXml, niceTicks, viridis, SERIES_COLORS } from './svg.js';
