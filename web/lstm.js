// The article's model, read row by row, in plain JavaScript: the LSTM cell of
// tf.nn.rnn_cell.BasicLSTMCell(128, forget_bias=1.0), run by static_rnn over the 28 rows of
// an image, then the article's dense layer (weights['out'], biases['out']) and a softmax.
// As predict_digit.py --rows-plot does, the dense layer and softmax are applied after every
// row, not only the last, to show how the answer forms.
//
// window.readDigit(pixels): pixels are 784 numbers in [0, 1], row by row, scaled as
// input_data scales MNIST (value / 255). It returns {probabilities, hidden}: 28 arrays of 10
// (the class probabilities after each row) and 28 arrays of numHidden (the cell's output h).
// Anything else (NaN, a string, 0..255 values, null) is refused with an Error that says what.
//
// The model file is checked as it is read, as checkpoints.check_article_model checks a
// checkpoint: its four arrays must hold the numbers numHidden gives them, all finite. A file
// that did not load or fails the check leaves window.lstmModel null and window.lstmModelError
// saying why, which the page shows.
"use strict";

(function () {
  const ROWS = 28; // the timesteps: one row of the image each
  const PIXELS = 28; // the inputs at each timestep: the row's pixels
  const CLASSES = 10;
  const FORGET_BIAS = 1.0; // BasicLSTMCell(forget_bias=1.0), added to the forget gate

  // The exported float32 numbers (little-endian, in base64) as a Float64Array of their values.
  function decode(base64) {
    const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
    const view = new DataView(bytes.buffer);
    const values = new Float64Array(bytes.length / 4);
    for (let k = 0; k < values.length; k++) values[k] = view.getFloat32(4 * k, true);
    return values;
  }

  // The model file's numbers, checked: how many each array holds for numHidden units.
  function checkedModel(saved) {
    if (saved === null || typeof saved !== "object" || !saved.float32Base64) {
      throw new Error("model.js did not load, or is not the file export_page_model.py writes");
    }
    const n = saved.numHidden;
    if (!Number.isInteger(n) || n <= 0) {
      throw new Error(`model.js: numHidden is ${n}, not a positive whole number`);
    }
    const sizes = {
      kernel: (PIXELS + n) * 4 * n, // [28 + numHidden, 4 numHidden], row-major
      bias: 4 * n, // [4 numHidden]
      weightOut: n * CLASSES, // [numHidden, 10]
      biasOut: CLASSES, // [10]
    };
    const model = { numHidden: n, about: saved.about || {} };
    for (const [name, size] of Object.entries(sizes)) {
      let values;
      try {
        values = decode(saved.float32Base64[name]);
      } catch (error) {
        throw new Error(`model.js: ${name} is not float32 numbers in base64`);
      }
      if (values.length !== size) {
        throw new Error(`model.js: ${name} holds ${values.length} numbers, where a model of ` +
          `${n} units has ${size}`);
      }
      if (!values.every(Number.isFinite)) {
        throw new Error(`model.js: ${name} holds a value that is not finite (NaN or infinite)`);
      }
      model[name] = values;
    }
    return model;
  }

  let model = null;
  let modelError = null;
  try {
    model = checkedModel(window.RNN_MNIST_MODEL);
  } catch (error) {
    modelError = error.message;
  }

  const sigmoid = (v) => 1 / (1 + Math.exp(-v));

  // One timestep of BasicLSTMCell: from the row x and the state (c, h), the new state.
  //   i, j, f, o = split([x, h] @ kernel + bias, 4)
  //   new_c = c * sigmoid(f + forget_bias) + sigmoid(i) * tanh(j)
  //   new_h = tanh(new_c) * sigmoid(o)
  function lstmStep(x, c, h) {
    const n = model.numHidden;
    const inputs = [...x, ...h]; // concat([x, h], 1): the kernel's rows are x's, then h's
    const gates = Float64Array.from(model.bias);
    for (let row = 0; row < inputs.length; row++) {
      const value = inputs[row];
      if (value === 0) continue; // most pixels are black: their rows add nothing
      const offset = row * 4 * n;
      for (let column = 0; column < 4 * n; column++) {
        gates[column] += value * model.kernel[offset + column];
      }
    }
    const newC = new Float64Array(n);
    const newH = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const i = gates[k], j = gates[n + k], f = gates[2 * n + k], o = gates[3 * n + k];
      newC[k] = c[k] * sigmoid(f + FORGET_BIAS) + sigmoid(i) * Math.tanh(j);
      newH[k] = Math.tanh(newC[k]) * sigmoid(o);
    }
    return [newC, newH];
  }

  // The article's dense layer on the cell's output, then softmax: P(digit) for 0..9.
  function classProbabilities(h) {
    const classes = model.biasOut.length;
    const logits = Array.from(model.biasOut);
    for (let k = 0; k < h.length; k++) {
      for (let digit = 0; digit < classes; digit++) {
        logits[digit] += h[k] * model.weightOut[k * classes + digit];
      }
    }
    const largest = Math.max(...logits); // subtracted, so that exp() cannot overflow
    const exps = logits.map((logit) => Math.exp(logit - largest));
    const total = exps.reduce((sum, value) => sum + value, 0);
    return exps.map((value) => value / total);
  }

  function readDigit(pixels) {
    if (model === null) throw new Error(`readDigit has no model: ${modelError}`);
    const isList = Array.isArray(pixels) || ArrayBuffer.isView(pixels);
    if (!isList) {
      throw new TypeError(`readDigit needs ${ROWS * PIXELS} numbers in [0, 1], row by row, ` +
        `not ${pixels === null ? "null" : typeof pixels}`);
    }
    if (pixels.length !== ROWS * PIXELS) {
      throw new Error(`readDigit needs ${ROWS * PIXELS} pixels, not ${pixels.length}`);
    }
    for (let k = 0; k < pixels.length; k++) {
      const value = pixels[k];
      if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
        throw new RangeError(`readDigit needs numbers in [0, 1] (value / 255): pixel ${k} is ` +
          `${typeof value === "number" ? value : JSON.stringify(value)}`);
      }
    }
    let c = new Float64Array(model.numHidden); // static_rnn starts from a zero state
    let h = new Float64Array(model.numHidden);
    const probabilities = [];
    const hidden = [];
    for (let row = 0; row < ROWS; row++) {
      const x = Array.from(pixels.slice(row * PIXELS, (row + 1) * PIXELS), Number);
      [c, h] = lstmStep(x, c, h);
      probabilities.push(classProbabilities(h));
      hidden.push(Array.from(h));
    }
    return { probabilities, hidden };
  }

  window.lstmModel = model;
  window.lstmModelError = modelError;
  window.readDigit = readDigit;
})();
