/**
 * An image file as the values of a 4-D float input [N, C, H, W] (an OCR line, a picture): decoded
 * by the browser (createImageBitmap), drawn onto a canvas of the input's fixed height H with the
 * width that keeps the image's aspect (or the input's fixed W), and read back as channels R, G, B
 * (C = 3) or their mean (C = 1), each value scaled to [0, 1] (byte / 255), with no mean or
 * standard-deviation normalisation: a model trained on normalised pixels sees other values.
 */
import type { OpenedInput, OtherFeed } from '../../opened/types';

/** Whether an image can feed `input`: float32, four dims, 1 or 3 channels. */
export const takesImage = (input: OpenedInput): boolean =>
  input.type === 'float32' && input.dims.length === 4 && (input.dims[1] === 1 || input.dims[1] === 3 || typeof input.dims[1] === 'string');

export const IMAGE_SCALING = 'pixels scaled to [0, 1] (byte ÷ 255), channels R, G, B, no mean/std normalisation; resized to the input’s height, keeping the aspect';

export async function imageFeed(input: OpenedInput, file: Blob): Promise<OtherFeed> {
  const bitmap = await createImageBitmap(file);
  const [, c, h, w] = input.dims;
  const C = typeof c === 'number' ? c : 3;
  const H = typeof h === 'number' ? h : bitmap.height;
  const W = typeof w === 'number' ? w : Math.max(1, Math.round((bitmap.width * H) / bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const g = canvas.getContext('2d');
  if (!g) throw new Error('this browser cannot draw the image onto a canvas');
  g.drawImage(bitmap, 0, 0, W, H);
  bitmap.close();
  const px = g.getImageData(0, 0, W, H).data;
  const data = new Float32Array(C * H * W);
  for (let k = 0; k < H * W; k++) {
    const [r, gr, b] = [px[4 * k]! / 255, px[4 * k + 1]! / 255, px[4 * k + 2]! / 255];
    if (C === 1) data[k] = (r + gr + b) / 3;
    else {
      data[k] = r;
      data[H * W + k] = gr;
      data[2 * H * W + k] = b;
    }
  }
  return { kind: 'data', dims: [1, C, H, W], data };
}
