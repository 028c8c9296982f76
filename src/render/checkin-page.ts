/**
 * The page a plain phone camera opens from the QR (`/c/<code>`): the checkpoint's name, a phone field the
 * device remembers, big Vào / Ra buttons and a confirmation a guard can read from a metre away. No framework,
 * a few hundred bytes of script; it talks to the same public API as the apps.
 */
/** `code` must already be a normalised code (src/core/codes.ts alphabet only): it goes into the page verbatim. */
export function checkinPage(code: string): string {
  if (!/^[A-Z0-9]*$/.test(code)) throw new Error('checkinPage takes a normalised code');
  const safe = code;
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Khai báo vào/ra</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;padding:1rem;max-width:30rem;margin:auto;color:#111}
h1{font-size:1.3rem;margin:.2rem 0}#unit{color:#555;margin:0 0 1rem}
label{display:block;font-weight:600;margin:.5rem 0}input{font-size:1.4rem;width:100%;box-sizing:border-box;padding:.6rem}
.row{display:flex;gap:.8rem;margin:1rem 0}button{flex:1;font-size:1.6rem;padding:1.2rem;border:0;border-radius:.6rem;color:#fff}
#in{background:#0a7d32}#out{background:#b3261e}#done{font-size:1.6rem;padding:1rem;border-radius:.6rem;display:none}
.ok{background:#d8f5df;border:3px solid #0a7d32}.err{background:#fde0dd;border:3px solid #b3261e}
</style></head><body>
<h1 id="name">${safe ? `Điểm kiểm soát ${safe}` : 'Nhập mã điểm kiểm soát'}</h1><p id="unit"></p>
<form id="codeform" style="display:${safe ? 'none' : 'block'}" onsubmit="location.href='/c/'+encodeURIComponent(this.code.value.replace(/[s-]/g,'').toUpperCase());return false">
<label for="code">Mã in dưới mã QR (8 ký tự)</label><input id="code" name="code" autocapitalize="characters" autocomplete="off" placeholder="BCDF 2345">
<div class="row"><button style="background:#0b4f8a">Tiếp tục</button></div></form>
<div id="checkin" style="display:${safe ? 'block' : 'none'}">
<label for="phone">Số điện thoại</label><input id="phone" type="tel" inputmode="tel" autocomplete="tel" placeholder="0912 345 678">
<div class="row"><button id="in">Vào</button><button id="out">Ra</button></div>
<div id="done" role="status" aria-live="polite"></div></div>
<script>
const code=${JSON.stringify(code)},$=(id)=>document.getElementById(id),phone=$('phone'),done=$('done');
phone.value=localStorage.getItem('vaora.phone')||'';
if(code)fetch('/v1/checkpoints/by-code/'+encodeURIComponent(code)).then(r=>r.ok?r.json():Promise.reject(r.status)).then(c=>{
  $('name').textContent=c.name;$('unit').textContent=c.unitName;
}).catch(()=>show('err','Mã điểm kiểm soát không hợp lệ: '+code));
function show(kind,text){done.className=kind;done.textContent=text;done.style.display='block';}
async function send(direction){
  localStorage.setItem('vaora.phone',phone.value);
  const body={id:crypto.randomUUID?crypto.randomUUID():undefined,code,phone:phone.value,direction,method:'web'};
  try{
    const r=await fetch('/v1/checkins',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)});
    const j=await r.json();
    if(!r.ok)return show('err',(j.error&&j.error.details&&j.error.details[0]?'Sai '+j.error.details[0].path+': ':'')+(j.error?j.error.message:r.status));
    const t=new Date(j.at).toLocaleTimeString('vi-VN',{timeZone:'Asia/Ho_Chi_Minh'});
    show('ok',(direction==='in'?'✔ VÀO':'✔ RA')+' — '+j.checkpoint.name+' — '+t);
  }catch(e){show('err','Không gửi được, hãy thử lại.');}
}
$('in').onclick=()=>send('in');$('out').onclick=()=>send('out');
</script></body></html>`;
}
