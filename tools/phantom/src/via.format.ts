import type { Polygon } from './fundus.render.js';

/** One image in a VIA 2.x project (`_via_img_metadata` entry, keyed by filename + size in bytes). */
export interface ViaImage {
  filename: string;
  size: number;
  regions: {
    shape_attributes: { name: 'polygon'; all_points_x: number[]; all_points_y: number[] };
    region_attributes: { stage: string };
  }[];
  file_attributes: Record<string, string>;
}

export interface ViaProject {
  _via_settings: Record<string, unknown>;
  _via_img_metadata: Record<string, ViaImage>;
  _via_attributes: Record<string, unknown>;
  _via_data_format_version: string;
  _via_image_id_list: string[];
}

export function viaImage(filename: string, size: number, stage: number, polygons: Polygon[]): ViaImage {
  return {
    filename,
    size,
    regions:
      stage > 0
        ? polygons.map((p) => ({
            shape_attributes: { name: 'polygon' as const, all_points_x: p.x, all_points_y: p.y },
            region_attributes: { stage: String(stage) },
          }))
        : [],
    file_attributes: {},
  };
}

/** A VIA 2.0.x project file; `default_filepath` points VIA at the images/ folder next to it. */
export function viaProject(images: ViaImage[]): ViaProject {
  const meta: Record<string, ViaImage> = {};
  for (const im of images) meta[`${im.filename}${im.size}`] = im;
  return {
    _via_settings: {
      ui: { annotation_editor_height: 25, annotation_editor_fontsize: 0.8, leftsidebar_width: 18 },
      core: { buffer_size: 18, filepath: {}, default_filepath: 'images/' },
      project: { name: 'ropline-phantoms' },
    },
    _via_img_metadata: meta,
    _via_attributes: {
      region: {
        stage: {
          type: 'dropdown',
          description: 'ROP stage of the demarcation line / ridge',
          options: {
            '1': 'stage 1 (demarcation line)',
            '2': 'stage 2 (ridge)',
            '3': 'stage 3 (ridge with EFP)',
          },
          default_options: {},
        },
      },
      file: {},
    },
    _via_data_format_version: '2.0.10',
    _via_image_id_list: Object.keys(meta),
  };
}

/** Even-odd point-in-polygon test. */
export function pointInPolygon(x: number, y: number, px: number[], py: number[]): boolean {
  let inside = false;
  for (let i = 0, j = px.length - 1; i < px.length; j = i++) {
    if (py[i] > y !== py[j] > y && x < ((px[j] - px[i]) * (y - py[i])) / (py[j] - py[i]) + px[i])
      inside = !inside;
  }
  return inside;
}
