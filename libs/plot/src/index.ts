export const PLOT_LIB = 'plot';
