// The page: a digit drawn (or a test image picked) is made into the 28x28 image the model
// reads (mnist_steps.js), read by the LSTM (lstm.js), and shown row by row: the image down to
// the row, the class probabilities after it, and the cell's hidden state.
//
// For the tests, beside window.readDigit: window.drawnImage() is the 28x28 image (784 numbers
// 0..255, row by row) that the drawing makes now, or null when there is no digit in it.
"use strict";

(function () {
  const FRAME = 28;
  const ROW_MS = 250; // as the rows GIF of predict_digit.py: a quarter second per row
  const SURE = 0.9; // as the rows plot: the row from which the answer stays this sure
  const STROKE = 18; // the pen's width on the 256-pixel canvas: MNIST's strokes, scaled up

  const TEXTS = {
    en: {
      title: "TensorFlow MNIST with an RNN: watch the LSTM read your digit",
      intro: "Draw a digit. The article's LSTM (128 units) reads the image from top to bottom, " +
        "one row of 28 pixels per timestep, 28 rows in all. After each row you see the " +
        "probability of each digit (the article's dense layer and softmax on that row's " +
        "output) and the LSTM's hidden state.",
      draw: "Draw a digit", clear: "Clear", examples: "Or pick a test image",
      reads: "What the model reads (28 × 28)", answer: "The answer",
      byRow: "P(digit) after each row",
      hidden: "The LSTM's hidden state after each row",
      hiddenNote: "One row per timestep, one column per unit (128): red positive, blue negative.",
      row: (row) => `row ${row} of ${FRAME}`,
      after: (row, digit, p) => `after row ${row}: ${digit} (${p.toFixed(2)})`,
      sure: (digit, row) => `P(${digit}) ≥ ${SURE} from row ${row} on`,
      start: "Draw a digit, or pick a test image.",
      blank: "No digit found: the drawing is blank.",
      specks: "No digit found: only specks. Draw larger.",
      sideBySide: "Two digits side by side: draw one digit.",
      example: (index, label) => `test image ${index} (label ${label})`,
      about: (about) => `Model: train_rnn_mnist.py, seed ${about.flags.seed}, ` +
        `${about.flags.num_hidden} units, after step ${about.step}. No server, no network: ` +
        "everything runs in this page.",
      other: "日本語",
      noModel: (why) => `The model cannot be read, so the page cannot read a digit: ${why}. ` +
        "Write it again: python export_page_model.py --output web/model.js --overwrite",
    },
    ja: {
      title: "TensorFlow MNISTをRNNでやってみる：LSTMがあなたの数字を読む",
      intro: "数字を描いてください。記事の LSTM（128ユニット）が画像を上から下へ、" +
        "1タイムステップに28ピクセルの1行ずつ、28行読みます。各行のあとに、各数字の確率" +
        "（その行の出力に記事の全結合層と softmax をかけたもの）と LSTM の隠れ状態が見えます。",
      draw: "数字を描く", clear: "消す", examples: "またはテスト画像を選ぶ",
      reads: "モデルが読む画像（28 × 28）", answer: "答え", byRow: "各行のあとの P(数字)",
      hidden: "各行のあとの LSTM の隠れ状態",
      hiddenNote: "1行が1タイムステップ、1列が1ユニット（128）：赤が正、青が負。",
      row: (row) => `${FRAME}行中 ${row}行目`,
      after: (row, digit, p) => `${row}行目のあと：${digit}（${p.toFixed(2)}）`,
      sure: (digit, row) => `${row}行目から P(${digit}) ≥ ${SURE}`,
      start: "数字を描くか、テスト画像を選んでください。",
      blank: "数字が見つかりません：何も描かれていません。",
      specks: "数字が見つかりません：小さな点だけです。大きく描いてください。",
      sideBySide: "数字が横に並んでいます：数字を1つだけ描いてください。",
      example: (index, label) => `テスト画像 ${index}（ラベル ${label}）`,
      about: (about) => `モデル：train_rnn_mnist.py、seed ${about.flags.seed}、` +
        `${about.flags.num_hidden}ユニット、${about.step}ステップ後。サーバーもネットワークも` +
        "使わず、すべてこのページの中で動きます。",
      other: "English",
      noModel: (why) => `モデルを読めないため、数字を読めません：${why}。書き直してください：` +
        "python export_page_model.py --output web/model.js --overwrite",
    },
  };

  const $ = (id) => document.getElementById(id);
  const drawing = $("drawing");
  const pen = drawing.getContext("2d");
  const state = { language: "en", image: null, result: null, row: 0, timer: null, note: "start" };

  // --- Language: the browser's, with a switch -------------------------------------------------

  function text() {
    return TEXTS[state.language];
  }

  function setLanguage(language) {
    state.language = language;
    document.documentElement.lang = language;
    for (const element of document.querySelectorAll("[data-text]")) {
      element.textContent = text()[element.dataset.text];
    }
    document.title = text().title;
    $("language").textContent = text().other;
    $("about").textContent = window.lstmModel ? text().about(window.lstmModel.about) :
      text().noModel(window.lstmModelError);
    show();
  }

  // --- The drawing -------------------------------------------------------------------------

  function canvasPoint(event) {
    const box = drawing.getBoundingClientRect();
    return [(event.clientX - box.left) * (drawing.width / box.width),
      (event.clientY - box.top) * (drawing.height / box.height)];
  }

  let drawingNow = false;
  drawing.addEventListener("pointerdown", (event) => {
    drawingNow = true;
    drawing.setPointerCapture(event.pointerId);
    const [x, y] = canvasPoint(event);
    pen.beginPath();
    pen.moveTo(x, y);
    pen.lineTo(x, y); // a tap is a dot
    pen.stroke();
    event.preventDefault();
  });
  drawing.addEventListener("pointermove", (event) => {
    if (!drawingNow) return;
    const [x, y] = canvasPoint(event);
    pen.lineTo(x, y);
    pen.stroke();
  });
  for (const name of ["pointerup", "pointercancel"]) {
    drawing.addEventListener(name, () => {
      if (!drawingNow) return;
      drawingNow = false;
      readDrawing();
    });
  }

  function setPen() {
    pen.lineWidth = STROKE;
    pen.lineCap = "round";
    pen.lineJoin = "round";
    pen.strokeStyle = "black"; // opaque strokes on a transparent canvas: the alpha is the ink
  }

  function drawnImage() {
    const pixels = pen.getImageData(0, 0, drawing.width, drawing.height).data;
    const alpha = new Uint8Array(drawing.width * drawing.height);
    for (let k = 0; k < alpha.length; k++) alpha[k] = pixels[4 * k + 3];
    return window.mnistSteps.digitFromAlpha(alpha, drawing.width, drawing.height);
  }

  function readDrawing() {
    const found = drawnImage();
    if (found.blank) {
      read(null, found.blank);
    } else {
      read(found.image, null);
    }
  }

  // --- Reading: the LSTM over the image's rows, then shown row by row -----------------------

  function read(image, note) {
    if (!window.lstmModel) return; // the page says why (setLanguage)
    stop();
    state.image = image;
    state.note = note;
    state.result = image && window.readDigit(Array.from(image, (value) => value / 255));
    state.row = 0;
    if (image) play();
    show();
  }

  function play() {
    stop();
    if (!state.result) return;
    if (state.row === FRAME) state.row = 0;
    state.timer = setInterval(() => {
      state.row += 1;
      if (state.row >= FRAME) stop();
      show();
    }, ROW_MS);
    show();
  }

  function stop() {
    if (state.timer !== null) clearInterval(state.timer);
    state.timer = null;
  }

  function goTo(row) {
    stop();
    state.row = Math.min(Math.max(row, 0), FRAME);
    show();
  }

  // --- Showing it --------------------------------------------------------------------------

  function grey(value) {
    const v = Math.round(value);
    return `rgb(${v},${v},${v})`;
  }

  function showImage() {
    const canvas = $("image"), context = canvas.getContext("2d");
    const cell = canvas.width / FRAME;
    context.fillStyle = "black";
    context.fillRect(0, 0, canvas.width, canvas.height);
    if (!state.image) return;
    for (let y = 0; y < FRAME; y++) {
      const read = y < state.row;
      for (let x = 0; x < FRAME; x++) {
        const value = state.image[y * FRAME + x];
        context.fillStyle = grey(read ? value : value * 0.25); // the rows still to read, dim
        context.fillRect(x * cell, y * cell, cell, cell);
      }
    }
    if (state.row > 0) {
      context.fillStyle = "#e33";
      context.fillRect(0, state.row * cell - 1, canvas.width, 2);
    }
  }

  // The digit with the largest probability.
  function mostLikely(probabilities) {
    return probabilities.indexOf(Math.max(...probabilities));
  }

  // A colour for a probability 0..1: from dark blue through teal to yellow, as viridis.
  function viridis(p) {
    const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
    const at = Math.min(Math.max(p, 0), 1) * (stops.length - 1);
    const low = Math.floor(Math.min(at, stops.length - 2)), t = at - low;
    const [r, g, b] = stops[low].map((c, k) => Math.round(c + (stops[low + 1][k] - c) * t));
    return `rgb(${r},${g},${b})`;
  }

  function showProbabilities() {
    const bars = $("bars"), context = bars.getContext("2d");
    context.clearRect(0, 0, bars.width, bars.height);
    const heat = $("heatmap"), heatContext = heat.getContext("2d");
    heatContext.clearRect(0, 0, heat.width, heat.height);
    const width = 24, left = 24, base = bars.height - 20, tall = base - 10;
    context.font = "13px sans-serif";
    context.textAlign = "center";
    heatContext.font = "11px sans-serif";
    heatContext.textAlign = "center";
    for (let digit = 0; digit < 10; digit++) {
      context.fillStyle = "#222";
      context.fillText(String(digit), left + digit * width + width / 2, bars.height - 5);
    }
    context.strokeStyle = "#999";
    context.beginPath();
    context.moveTo(left, base + 0.5);
    context.lineTo(left + 10 * width, base + 0.5);
    context.stroke();
    if (!state.result || state.row === 0) return;
    const after = state.result.probabilities[state.row - 1];
    const best = mostLikely(after);
    after.forEach((p, digit) => {
      context.fillStyle = digit === best ? "#d62728" : "#1f77b4";
      context.fillRect(left + digit * width + 3, base - p * tall, width - 6, p * tall);
    });
    const cellHeight = heat.height / FRAME;
    for (let row = 0; row < state.row; row++) {
      state.result.probabilities[row].forEach((p, digit) => {
        heatContext.fillStyle = viridis(p);
        heatContext.fillRect(left + digit * width, row * cellHeight, width, cellHeight);
      });
    }
  }

  // A colour for a hidden unit's value -1..1 (h = tanh(c) sigmoid(o)): blue, white, red.
  function diverging(value) {
    const v = Math.min(Math.max(value, -1), 1);
    const fade = Math.round(255 * (1 - Math.abs(v)));
    return v >= 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
  }

  function showHidden() {
    const canvas = $("hidden"), context = canvas.getContext("2d");
    context.fillStyle = "#eee";
    context.fillRect(0, 0, canvas.width, canvas.height);
    if (!state.result) return;
    const units = window.lstmModel.numHidden;
    const cellWidth = canvas.width / units, cellHeight = canvas.height / FRAME;
    for (let row = 0; row < state.row; row++) {
      state.result.hidden[row].forEach((value, unit) => {
        context.fillStyle = diverging(value);
        context.fillRect(unit * cellWidth, row * cellHeight, Math.ceil(cellWidth),
          Math.ceil(cellHeight));
      });
    }
  }

  function sureFromRow(probabilities, digit) {
    if (probabilities[FRAME - 1][digit] < SURE) return null;
    let row = FRAME;
    while (row > 1 && probabilities[row - 2][digit] >= SURE) row -= 1;
    return row;
  }

  function showAnswer() {
    const answer = $("answer");
    $("row").value = state.row;
    $("row-label").textContent = text().row(state.row);
    $("play").textContent = state.timer === null ? "▶" : "❚❚";
    $("message").textContent = !window.lstmModel ? text().noModel(window.lstmModelError) :
      state.note ? text()[state.note] : "";
    answer.textContent = $("sure").textContent = "";
    if (!state.result || state.row === 0) return;
    const after = state.result.probabilities[state.row - 1];
    const best = mostLikely(after);
    answer.textContent = text().after(state.row, best, after[best]);
    const sure = state.row === FRAME && sureFromRow(state.result.probabilities, best);
    if (sure) $("sure").textContent = text().sure(best, sure);
  }

  function show() {
    showImage();
    showProbabilities();
    showHidden();
    showAnswer();
  }

  // --- The examples: test images, read as they are (as predict_digit.py --test-index) --------

  function showExamples() {
    const box = $("examples");
    for (const example of window.RNN_MNIST_MODEL.examples) {
      const pixels = Uint8Array.from(atob(example.pixelsBase64), (c) => c.charCodeAt(0));
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = FRAME;
      const context = canvas.getContext("2d");
      const picture = context.createImageData(FRAME, FRAME);
      pixels.forEach((value, k) => {
        picture.data.set([value, value, value, 255], 4 * k);
      });
      context.putImageData(picture, 0, 0);
      canvas.dataset.index = example.index;
      canvas.addEventListener("click", () => {
        pen.clearRect(0, 0, drawing.width, drawing.height);
        canvas.title = text().example(example.index, example.label);
        read(Float32Array.from(pixels), null);
      });
      box.appendChild(canvas);
    }
  }

  // --- Controls ----------------------------------------------------------------------------

  $("clear").addEventListener("click", () => {
    pen.clearRect(0, 0, drawing.width, drawing.height);
    read(null, "start");
  });
  $("play").addEventListener("click", () => (state.timer === null ? play() : (stop(), show())));
  $("first").addEventListener("click", () => goTo(0));
  $("previous").addEventListener("click", () => goTo(state.row - 1));
  $("next").addEventListener("click", () => goTo(state.row + 1));
  $("last").addEventListener("click", () => goTo(FRAME));
  $("row").addEventListener("input", (event) => goTo(Number(event.target.value)));
  $("language").addEventListener("click", () => setLanguage(state.language === "ja" ? "en" : "ja"));

  window.drawnImage = () => {
    const found = drawnImage();
    return found.blank ? null : Array.from(found.image);
  };

  setPen();
  if (window.lstmModel) showExamples();
  const language = (navigator.languages && navigator.languages[0]) || navigator.language || "";
  setLanguage(language.toLowerCase().startsWith("ja") ? "ja" : "en");
})();
