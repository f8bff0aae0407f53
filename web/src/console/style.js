// The console's look, injected once (the page is one script).
const CSS = `
body{margin:0;font:13px/1.35 system-ui,sans-serif;color:#222;background:#f4f5f7}
#xc-top{display:flex;gap:14px;align-items:center;padding:8px 14px;background:#1d2733;color:#eef}
#xc-top b{font-size:15px}#xc-link{margin-left:auto}
#xc-stop{position:fixed;right:18px;bottom:18px;z-index:10;width:120px;height:120px;border-radius:60px;
 border:6px solid #ffd400;background:#d40000;color:#fff;font:bold 22px system-ui;box-shadow:0 2px 10px #0008;cursor:pointer}
#xc-stop:active{background:#900}
#xc-main{display:flex;gap:10px;padding:10px}
#xc-view{flex:1 1 auto;min-width:0}
#xc-canvas{width:100%;height:min(56vh,560px);display:block;background:#fff;border:1px solid #ccd}
#xc-side{flex:0 0 330px;display:flex;flex-direction:column;gap:8px}
.xc-box{background:#fff;border:1px solid #ccd;padding:6px 8px}
.xc-box h3{margin:0 0 4px;font-size:13px}
#xc-joints td{padding:1px 4px}#xc-joints td.q{text-align:right;font-variant-numeric:tabular-nums;width:70px}
.xc-jog{width:34px;height:26px;font-weight:bold;touch-action:none;user-select:none}
.xc-jog:disabled{opacity:.4}
.xc-jog.held{background:#1f77b4;color:#fff}
#xc-cart{display:grid;grid-template-columns:repeat(6,1fr);gap:3px}
#xc-events{height:150px;overflow:auto;font-size:12px}
#xc-editor{width:100%;height:140px;font:12px monospace;box-sizing:border-box}
#xc-check-result{font-size:12px;margin-top:3px}.xc-bad{color:#b00}.xc-good{color:#070}
#xc-plots{padding:0 10px 140px}
#xc-plots canvas{width:100%;height:130px;background:#fff;border:1px solid #ccd;margin-top:4px}
`;

export function injectStyle() {
  const s = document.createElement('style');
  s.textContent = CSS;
  document.head.append(s);
}
