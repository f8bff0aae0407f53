// A movie of the replay: the 3D view recorded while the replay plays from its start to its end at
// the chosen speed, with the browser's own encoder (MediaRecorder, WebM: VP9 or VP8), then saved
// as replay.webm. Nothing leaves the machine; the file is made in the page.

const TYPES = ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm'];

// The encoder this browser has, or null.
export function movieType() {
  if (typeof MediaRecorder === 'undefined') return null;
  return TYPES.find((t) => MediaRecorder.isTypeSupported(t)) || null;
}

// Start recording `canvas` at `fps` frames a second; returns { stop() } whose stop ends the
// movie and saves it as `name` (done(bytes) is called once it is saved, or done(0, reason)).
export function recordMovie(canvas, fps, name, done) {
  const type = movieType();
  if (!type || !canvas.captureStream) {
    done(0, 'this browser cannot record video');
    return null;
  }
  const stream = canvas.captureStream(fps);
  const rec = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: 4e6 });
  const chunks = [];
  rec.addEventListener('dataavailable', (e) => { if (e.data && e.data.size) chunks.push(e.data); });
  rec.addEventListener('stop', () => {
    stream.getTracks().forEach((t) => t.stop());
    const blob = new Blob(chunks, { type: 'video/webm' });
    if (!blob.size) {
      done(0, 'the encoder gave nothing');
      return;
    }
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    done(blob.size);
  });
  rec.start(250); // a chunk every 0.25 s: a long movie is not held in one piece
  return { stop: () => { if (rec.state !== 'inactive') rec.stop(); } };
}
