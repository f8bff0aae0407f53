// The page's look, injected once (the page is a single file).
const CSS = `
body{margin:0;font:13px/1.35 system-ui,sans-serif;color:#222;background:#f4f5f7}
#xn-top{display:flex;gap:12px;align-items:baseline;padding:8px 14px;background:#1d2733;color:#eef}
#xn-top b{font-size:15px}#xn-top .xn-result{margin-left:auto;opacity:.85}
#xn-main{display:flex;gap:10px;padding:10px}
#xn-view{position:relative;flex:1 1 auto;min-width:0}
#xn-canvas{width:100%;height:min(62vh,640px);display:block;background:#fff;border:1px solid #ccd}
#xn-side{flex:0 0 260px;max-height:calc(62vh + 90px);overflow:auto}
#xn-side h3{margin:6px 0 4px;font-size:13px}
#xn-side label{display:block}
#xn-events div{cursor:pointer;padding:1px 3px;border-radius:3px;overflow-wrap:anywhere}
#xn-events div:hover{background:#e6ebf2}
#xn-controls{display:flex;gap:8px;align-items:center;margin-top:6px}
#xn-controls button{min-width:70px}
#xn-scrub{flex:1}
#xn-marks{position:relative;height:14px;margin:2px 0 0}
#xn-marks span{position:absolute;top:0;width:3px;height:14px;margin-left:-1px;cursor:pointer}
#xn-plots{padding:0 10px 14px}
.xn-plot{margin-top:10px}.xn-plot-title{font-weight:600;margin-bottom:2px}
.xn-plot-area{position:relative;border:1px solid #ccd;cursor:crosshair}
.xn-cursor{position:absolute;top:0;bottom:0;width:1px;background:#d62728;pointer-events:none}
.xn-legend span{display:inline-block;margin-right:8px;font-size:11px}
.ev-stop{background:#d62728}.ev-fault{background:#8c1c13}.ev-collision{background:#ff7f0e}
.ev-push{background:#9467bd}.ev-step{background:#2ca02c}.ev-info{background:#7f7f7f}
.ev-line{background:#c9ced6;width:1px!important}
#xn-error{padding:2em;color:#8c1c13;font-size:15px}
`;

export function injectStyle() {
  const s = document.createElement('style');
  s.textContent = CSS;
  document.head.append(s);
}
