// From a drawing to the 28x28 image the model reads, by the steps digit_photo.py takes for a
// picture on a transparent background (the drawing canvas is one: its strokes are opaque):
//
// 1. the ink is the alpha: where it is above half, the stroke; blobs of it much smaller than
//    the largest (a stray dot) are dropped, and so is a blob along a long stretch of the edge;
//    two digits side by side are refused, as digit_photo.py refuses them;
// 2. each pixel's ink strength is its alpha scaled to the stroke's full strength, and faint ink
//    (the anti-aliased edge) is kept where it joins the digit;
// 3. MNIST's own steps: the digit's box fitted into 20x20 keeping its aspect ratio (Pillow's
//    Lanczos resampling, as digit_photo.fit_into_box), then centred by its centre of mass in a
//    28x28 frame, as light strokes 0..255 on black.
//
// digit_photo.py computes in float32; so does this where a threshold decides (Math.fround), so
// that both find the same pixels. digitFromAlpha() returns {image, box} or {blank: reason}.
"use strict";

(function () {
  const DIGIT_BOX = 20;
  const FRAME = 28;
  const MIN_CONTRAST = 25.0; // below this (of 255) there is no ink at all
  const FAINT = Math.fround(0.2); // ink this faint still belongs to a digit it touches
  const SPECK = 1 / 20; // a blob smaller than this fraction of the largest is not the digit
  const MIN_DIGIT = 1 / 50; // the digit spans at least this fraction of the longer side
  const BEYOND_PAPER = 0.1; // a blob on more than this fraction of the edge is not the digit
  const SIDE_BY_SIDE = 0.5; // a second column of ink this tall, beside the first, is a 2nd digit
  const f32 = Math.fround;

  // The 8-connected blobs of a mask: labels 1..count in the order their first pixel comes,
  // row by row (as digit_photo.blobs numbers them), 0 off the mask.
  function blobs(mask, width, height) {
    const labels = new Int32Array(width * height);
    let count = 0;
    const stack = [];
    for (let start = 0; start < mask.length; start++) {
      if (!mask[start] || labels[start]) continue;
      labels[start] = ++count;
      stack.push(start);
      while (stack.length) {
        const at = stack.pop();
        const row = Math.floor(at / width), column = at % width;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const y = row + dy, x = column + dx;
            if (y < 0 || y >= height || x < 0 || x >= width) continue;
            const next = y * width + x;
            if (mask[next] && !labels[next]) {
              labels[next] = count;
              stack.push(next);
            }
          }
        }
      }
    }
    return { labels, count };
  }

  // The mask grown by one pixel in all eight directions.
  function grow(mask, width, height) {
    const grown = new Uint8Array(mask.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (!mask[y * width + x]) continue;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy, xx = x + dx;
            if (yy >= 0 && yy < height && xx >= 0 && xx < width) grown[yy * width + xx] = 1;
          }
        }
      }
    }
    return grown;
  }

  // NumPy's median and percentile (linear between the two nearest values).
  function percentile(values, q) {
    const sorted = Float64Array.from(values).sort();
    const position = (q / 100) * (sorted.length - 1);
    const low = Math.floor(position), high = Math.ceil(position);
    return f32(sorted[low] + (sorted[high] - sorted[low]) * (position - low));
  }

  // The rows and columns a mask covers: [top, bottom, left, right], inclusive.
  function boxOf(mask, width) {
    let top = Infinity, bottom = -1, left = Infinity, right = -1;
    mask.forEach((on, k) => {
      if (!on) return;
      const y = Math.floor(k / width), x = k % width;
      top = Math.min(top, y); bottom = Math.max(bottom, y);
      left = Math.min(left, x); right = Math.max(right, x);
    });
    return [top, bottom, left, right];
  }

  // digit_photo.find_digit: the blobs that make the digit.
  function findDigit(inkMask, width, height) {
    const { labels, count } = blobs(inkMask, width, height);
    if (count === 0) return { blank: "blank" };
    const sizes = new Float64Array(count + 1);
    const onEdge = new Float64Array(count + 1);
    for (let k = 0; k < labels.length; k++) {
      sizes[labels[k]] += 1;
      const y = Math.floor(k / width), x = k % width;
      if (y === 0 || y === height - 1 || x === 0 || x === width - 1) onEdge[labels[k]] += 1;
    }
    sizes[0] = 0;
    const edgePixels = 2 * width + 2 * height - 4;
    const beyondPaper = Array.from(onEdge,
      (n, label) => label > 0 && n > BEYOND_PAPER * edgePixels);
    if (sizes.some((size, label) => size > 0 && !beyondPaper[label])) {
      beyondPaper.forEach((beyond, label) => { if (beyond) sizes[label] = 0; });
    }
    let largest = 0;
    sizes.forEach((size, label) => { if (size > sizes[largest]) largest = label; });
    const [top, bottom, left, right] = boxOf(labels.map((label) => label === largest), width);
    if (Math.max(bottom - top, right - left) + 1 < MIN_DIGIT * Math.max(width, height)) {
      return { blank: "specks" };
    }
    const kept = Array.from(sizes, (size) => size > 0 && size >= SPECK * sizes[largest]);
    if (digitsSideBySide(labels, kept, width) > 1) return { blank: "sideBySide" };
    return { digit: Uint8Array.from(labels, (label) => (kept[label] ? 1 : 0)) };
  }

  // digit_photo.check_one_digit: how many digits stand side by side, as columns of ink with
  // paper between them (blobs whose columns overlap are one digit: a 5's bar, a 4's arms),
  // counting those at least SIDE_BY_SIDE as tall as the tallest.
  function digitsSideBySide(labels, kept, width) {
    const spans = new Map(); // label: [left, right, top, bottom]
    labels.forEach((label, k) => {
      if (!kept[label]) return;
      const y = Math.floor(k / width), x = k % width;
      const span = spans.get(label);
      if (!span) {
        spans.set(label, [x, x, y, y]);
        return;
      }
      span[0] = Math.min(span[0], x); span[1] = Math.max(span[1], x);
      span[2] = Math.min(span[2], y); span[3] = Math.max(span[3], y);
    });
    const sorted = [...spans.values()].sort((a, b) => {
      for (let k = 0; k < 4; k++) if (a[k] !== b[k]) return a[k] - b[k];
      return 0;
    });
    const columns = [];
    for (const [left, right, top, bottom] of sorted) {
      const last = columns[columns.length - 1];
      if (last && left <= last[1]) {
        columns[columns.length - 1] = [last[0], Math.max(last[1], right), Math.min(last[2], top),
          Math.max(last[3], bottom)];
      } else {
        columns.push([left, right, top, bottom]);
      }
    }
    const heights = columns.map(([, , top, bottom]) => bottom - top + 1);
    const tallest = Math.max(...heights);
    return heights.filter((height) => height >= SIDE_BY_SIDE * tallest).length;
  }

  // digit_photo.ink_strength: 0..1 for each pixel, and the pixels joined to the digit.
  function inkStrength(contrast, threshold, digit, width, height) {
    const near = grow(contrast.map((value) => (value > threshold / 2 ? 1 : 0)), width, height);
    const paperValues = contrast.filter((_, k) => !near[k]);
    const paperLevel = paperValues.length ? percentile(paperValues, 50) : 0;
    const inkLevel = percentile(contrast.filter((_, k) => digit[k]), 75);
    const range = Math.max(f32(inkLevel - paperLevel), 1e-6);
    const strength = contrast.map(
      (value) => Math.min(Math.max(f32(f32(value - paperLevel) / range), 0), 1));
    const mask = Uint8Array.from(strength, (value, k) => (value > FAINT || digit[k] ? 1 : 0));
    const { labels } = blobs(mask, width, height);
    const ofDigit = new Set();
    digit.forEach((isDigit, k) => { if (isDigit) ofDigit.add(labels[k]); });
    const joined = Uint8Array.from(labels, (label) => (ofDigit.has(label) ? 1 : 0));
    return { ink: strength.map((value, k) => (joined[k] ? value : 0)), joined };
  }

  // Pillow's resampling of a float image along one axis ("F" mode, Image.resize): for each
  // output pixel, the Lanczos-3 weights of the input pixels under it, widened by the scale when
  // shrinking, normalised to sum to 1.
  function lanczos(x) {
    const sinc = (v) => (v === 0 ? 1 : Math.sin(Math.PI * v) / (Math.PI * v));
    return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
  }

  function weights(inSize, outSize) {
    const scale = inSize / outSize;
    const filterScale = Math.max(scale, 1);
    const support = 3 * filterScale;
    const all = [];
    for (let out = 0; out < outSize; out++) {
      const centre = (out + 0.5) * scale;
      const first = Math.max(Math.trunc(centre - support + 0.5), 0);
      const last = Math.min(Math.trunc(centre + support + 0.5), inSize);
      const w = [];
      for (let x = first; x < last; x++) w.push(lanczos((x - centre + 0.5) / filterScale));
      const total = w.reduce((sum, value) => sum + value, 0);
      all.push({ first, w: w.map((value) => (total !== 0 ? value / total : value)) });
    }
    return all;
  }

  // Image.resize((width, height), LANCZOS) of a float image: the rows first, then the columns,
  // each pass stored in float32 as Pillow stores it.
  function resize(values, inWidth, inHeight, outWidth, outHeight) {
    let image = values, width = inWidth;
    if (outWidth !== inWidth) {
      const across = weights(inWidth, outWidth);
      const next = new Float32Array(outWidth * inHeight);
      for (let y = 0; y < inHeight; y++) {
        across.forEach(({ first, w }, x) => {
          let sum = 0;
          w.forEach((weight, k) => { sum += image[y * width + first + k] * weight; });
          next[y * outWidth + x] = sum;
        });
      }
      image = next;
      width = outWidth;
    }
    if (outHeight !== inHeight) {
      const down = weights(inHeight, outHeight);
      const next = new Float32Array(width * outHeight);
      down.forEach(({ first, w }, y) => {
        for (let x = 0; x < width; x++) {
          let sum = 0;
          w.forEach((weight, k) => { sum += image[(first + k) * width + x] * weight; });
          next[y * width + x] = sum;
        }
      });
      image = next;
    }
    return image;
  }

  // Python's round(): halves to the even neighbour.
  function roundHalfEven(value) {
    const floor = Math.floor(value), rest = value - floor;
    if (rest !== 0.5) return rest < 0.5 ? floor : floor + 1;
    return floor % 2 === 0 ? floor : floor + 1;
  }

  // digit_photo.mnist_like: fitted into 20x20, centred by mass in 28x28, 0..255.
  function mnistLike(ink, width, height) {
    const scale = DIGIT_BOX / Math.max(width, height);
    const newWidth = Math.max(1, roundHalfEven(width * scale));
    const newHeight = Math.max(1, roundHalfEven(height * scale));
    const fitted = resize(ink.map((value) => f32(value * 255)), width, height, newWidth, newHeight)
      .map((value) => Math.min(Math.max(value, 0), 255));
    let mass = 0, rowMass = 0, columnMass = 0;
    for (let y = 0; y < newHeight; y++) {
      for (let x = 0; x < newWidth; x++) {
        const value = fitted[y * newWidth + x];
        mass += value; rowMass += y * value; columnMass += x * value;
      }
    }
    const top = roundHalfEven(FRAME / 2 - rowMass / mass);
    const left = roundHalfEven(FRAME / 2 - columnMass / mass);
    const frame = new Float32Array(FRAME * FRAME);
    for (let y = 0; y < newHeight; y++) {
      for (let x = 0; x < newWidth; x++) {
        const row = y + top, column = x + left;
        if (row >= 0 && row < FRAME && column >= 0 && column < FRAME) {
          frame[row * FRAME + column] = fitted[y * newWidth + x];
        }
      }
    }
    return frame;
  }

  // alpha: the drawing's alpha bytes 0..255, row by row, width x height.
  function digitFromAlpha(alpha, width, height) {
    const contrast = Float32Array.from(alpha, (a) => f32(f32(a / 255) * 255));
    const threshold = 127.5;
    if (contrast.reduce((a, b) => Math.max(a, b), 0) < MIN_CONTRAST) return { blank: "blank" };
    const found = findDigit(contrast.map((value) => (value > threshold ? 1 : 0)), width, height);
    if (found.blank) return found;
    const { ink, joined } = inkStrength(contrast, threshold, found.digit, width, height);
    const [top, bottom, left, right] = boxOf(joined, width);
    const boxWidth = right - left + 1, boxHeight = bottom - top + 1;
    const cropped = new Float32Array(boxWidth * boxHeight);
    for (let y = 0; y < boxHeight; y++) {
      for (let x = 0; x < boxWidth; x++) {
        cropped[y * boxWidth + x] = ink[(top + y) * width + left + x];
      }
    }
    return { image: mnistLike(cropped, boxWidth, boxHeight), box: [top, bottom, left, right] };
  }

  window.mnistSteps = { digitFromAlpha };
})();
