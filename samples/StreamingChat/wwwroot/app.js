// Posts the prompt, reads the server-sent events from the response body as they arrive, and appends each token.
// fetch + ReadableStream rather than EventSource, because EventSource can only GET and reconnects (re-running the model)
// whenever a stream ends.
const $ = id => document.getElementById(id);

async function loadModels() {
  const models = await (await fetch('api/models')).json();
  for (const model of models) $('model').add(new Option(model, model));
}

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = false;
  $('status').textContent = 'failed';
}

// One event block: "event: <name>" and "data: <json>" lines (data may span several lines).
function handleEvent(block) {
  let name = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) name = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (data.length === 0) return;
  const payload = JSON.parse(data.join('\n'));
  if (name === 'token') $('output').append(payload);
  else if (name === 'error') showError(payload);
  else if (name === 'done') $('status').textContent = 'done';
}

async function send(event) {
  event.preventDefault();
  $('output').textContent = '';
  $('error').hidden = true;
  $('status').textContent = 'streaming…';
  $('send').disabled = true;
  try {
    const response = await fetch('api/chat', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: $('model').value, prompt: $('prompt').value }),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new Error(problem.detail || problem.title || `HTTP ${response.status}`);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        handleEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  } catch (error) {
    showError(error.message);
  } finally {
    $('send').disabled = false;
  }
}

$('chat').addEventListener('submit', send);
loadModels().catch(error => showError(`Could not load the models: ${error.message}`));
