extension StatusPageRenderer {
    /// The page's only style sheet, inline: system fonts, light and dark through `prefers-color-scheme`, one
    /// column on a phone, devices beside a sidebar on a desktop.
    static let styleSheet = """
        :root{--bg:#f3f4f6;--card:#fff;--text:#16191d;--muted:#5f6873;--line:#e1e4e8;\
        --home:#1e9e5a;--away:#9aa3ae;--unknown:#e6e8eb;--bad:#c0362c;--warn:#9a5b00;--good:#1e8a50;\
        --okbg:#dcf3e5;--badbg:#fbe3e1;--warnbg:#fdf0d8;--tick:rgba(255,255,255,.85)}
        @media (prefers-color-scheme:dark){:root{--bg:#0e1114;--card:#171b20;--text:#e6e9ed;--muted:#98a2ad;\
        --line:#2a3038;--home:#2bb56c;--away:#5f6a77;--unknown:#2b323b;--bad:#f0665c;--warn:#f2aa4c;\
        --good:#4cc987;--okbg:#15331f;--badbg:#3a1a18;--warnbg:#3a2a12;--tick:rgba(14,17,20,.7)}}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%}
        body{margin:0;background:var(--bg);color:var(--text);\
        font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",sans-serif}
        .wrap{max-width:1180px;margin:0 auto;padding:14px 14px 28px}
        a{color:inherit}
        .top{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:4px 16px;\
        margin:4px 2px 14px}
        .title{display:flex;align-items:center;gap:10px}
        h1{font-size:1.3rem;margin:0;letter-spacing:-.01em}
        h2{font-size:.8rem;margin:0;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
        .summary{margin:0;color:var(--muted)}
        .summary .count{color:var(--text);font-size:1.15rem}
        .updated{margin-left:10px;white-space:nowrap;font-variant-numeric:tabular-nums}
        .pill{display:inline-block;padding:2px 10px;border-radius:999px;font-size:.78rem;font-weight:600}
        .pill.ok{background:var(--okbg);color:var(--good)}
        .pill.bad{background:var(--badbg);color:var(--bad)}
        .pill.warn{background:var(--warnbg);color:var(--warn)}
        main{display:grid;gap:14px}
        @media (min-width:960px){main{grid-template-columns:minmax(0,1fr) 330px;align-items:start}}
        .section-head{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:6px 12px;\
        margin:0 2px 8px}
        .legend{display:flex;gap:12px;list-style:none;margin:0;padding:0;font-size:.78rem;color:var(--muted)}
        .legend li{display:flex;align-items:center;gap:5px}
        .sw{display:inline-block;width:12px;height:12px;border-radius:3px}
        .sw.s-home{background:var(--home)}.sw.s-away{background:var(--away)}\
        .sw.s-unknown{background:var(--unknown);box-shadow:inset 0 0 0 1px var(--line)}
        .device,.card{background:var(--card);border:1px solid var(--line);border-radius:12px}
        .device{padding:12px 14px 10px;margin-bottom:10px;border-left:4px solid var(--away)}
        .device.home{border-left-color:var(--home)}
        .device-head{display:flex;align-items:center;justify-content:space-between;gap:10px}
        h3{margin:0;font-size:1.05rem;font-weight:600;min-width:0;overflow-wrap:anywhere}
        .badge{flex:none;font-size:.75rem;font-weight:700;padding:2px 9px;border-radius:999px;\
        text-transform:uppercase;letter-spacing:.04em}
        .badge.home{background:var(--home);color:#fff}
        .badge.away{background:var(--unknown);color:var(--muted)}
        .since{margin:2px 0 8px;font-size:.9rem;display:flex;flex-wrap:wrap;gap:0 14px}
        .since .seen{color:var(--muted)}
        .muted{color:var(--muted)}
        .timeline{margin:0 0 6px}
        .tl{display:block;width:100%;height:22px;border-radius:5px;overflow:hidden}
        .s-bg{fill:var(--unknown)}
        rect.s-home{fill:var(--home)}rect.s-away{fill:var(--away)}rect.s-unknown{fill:var(--unknown)}
        .tick{stroke:var(--tick);stroke-width:1}
        .tick.major{stroke-width:1.5}
        .axis{position:relative;height:1.35em;font-size:.7rem;color:var(--muted);font-variant-numeric:tabular-nums}
        .axis span{position:absolute;top:1px;transform:translateX(-50%);white-space:nowrap}
        .axis .start{left:0;transform:none}.axis .now{right:0;transform:none}
        @media (max-width:620px){.axis .minor{display:none}}
        .facts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:6px 16px;margin:4px 0 0}
        @media (min-width:700px){.facts{grid-template-columns:repeat(4,minmax(0,1fr))}}
        .facts dt,.bridge dt{font-size:.68rem;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
        .facts dd{margin:0;overflow-wrap:anywhere;font-size:.9rem}
        .mono{font-family:ui-monospace,"SF Mono","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.84rem}
        .reason{margin:8px 0 0;font-size:.84rem;color:var(--muted);overflow-wrap:anywhere}
        .card{padding:12px 14px;margin-bottom:14px}
        .card h2{margin-bottom:8px}
        .departures ol{list-style:none;margin:0;padding:0}
        .departures li{padding:7px 0;border-top:1px solid var(--line)}
        .departures li:first-child{border-top:0;padding-top:0}
        .dep-head{display:flex;gap:8px;align-items:baseline;overflow-wrap:anywhere}
        .dep-head time{flex:none;color:var(--muted);font-size:.85rem;font-variant-numeric:tabular-nums}
        .departures p{margin:2px 0 0;font-size:.84rem;color:var(--muted);overflow-wrap:anywhere}
        .bridge dl{display:grid;grid-template-columns:1fr 1fr;gap:8px 14px;margin:0}
        .bridge dd{margin:0;font-variant-numeric:tabular-nums}
        .good{color:var(--good)}.bad{color:var(--bad)}
        .error{margin:10px 0 0;padding:8px 10px;border-radius:8px;background:var(--badbg);font-size:.84rem;\
        overflow-wrap:anywhere}
        .error span{font-weight:600;color:var(--bad)}
        .problems{margin:8px 0 0;padding-left:18px;font-size:.84rem;color:var(--bad)}
        .empty{color:var(--muted);margin:4px 2px 12px}
        footer{margin:8px 2px 0;font-size:.78rem;color:var(--muted)}
        """
}
