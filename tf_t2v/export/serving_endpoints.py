"""`ServingEndpoints`: the three functions a text-to-video SavedModel serves, raw strings in."""

import tensorflow as tf

from tf_t2v.text.text_tokenizer import PAD_ID

# Signature names and their input and output names, as TF Serving clients send and read them.
SERVING_DEFAULT = "serving_default"
ENCODE_TEXT = "encode_text"
GENERATE_FROM_EMBEDDING = "generate_from_embedding"
SIGNATURES = (SERVING_DEFAULT, ENCODE_TEXT, GENERATE_FROM_EMBEDDING)
PROMPT = "prompt"
SEED = "seed"
EMBEDDING = "embedding"
TRUNCATION = "truncation"
VIDEO = "video"

DEFAULT_MAX_BATCH_SIZE = 64
# Clips of a batch computed at once. Each clip is computed on its own, so this changes speed only
# (4 was fastest on a 2-core CPU: 3x the clips/s of one batched pass).
DEFAULT_PARALLEL_CLIPS = 4


class ServingEndpoints:
    """The serving functions of a `TextToVideoGAN`, with the checks every request passes.

    - `serving_default(prompt, seed)`: tf.string (B,) and tf.int64 (B,) -> {"video": uint8
      (B, T, H, W, 3)}, at truncation 1.
    - `encode_text(prompt)`: -> {"embedding": float32 (B, D)}, the averaged text encoder's
      sentence embedding.
    - `generate_from_embedding(embedding, seed, truncation)`: float32 (B, D), int64 (B,) and a
      float32 scalar -> {"video": uint8 (B, T, H, W, 3)}; embeddings may be mixed between prompts.

    The tokenizer runs inside the graph, so clients send raw strings. Every prompt is encoded and
    every clip generated on its own (a `tf.map_fn` over the batch): matrix kernels may round
    differently for different batch sizes, and this way a clip depends on its prompt and seed
    only, bit for bit, never on the batch it came in.

    Defined behaviour for every input: prompts longer than the tokenizer's `sequence_length`
    words are truncated to it; an empty or blank prompt (no words once normalised), a batch above
    `max_batch_size`, a seed count that differs from the prompt count, a non-finite embedding and
    a negative or non-finite truncation fail with an InvalidArgument error that says so; any
    int64 seed is valid. The functions use only TF core and TF Text ops.

    Args:
        model: `tf_t2v.models.TextToVideoGAN`. Its tokenizer, `ema_text_encoder` and
            `ema_generator` are served.
        max_batch_size: int. Most prompts (or embeddings) one request may hold.
        parallel_clips: int. Clips computed in parallel within a batch (speed only).

    Example:
    ```python
    import tensorflow as tf
    from tf_t2v.export import ServingEndpoints

    endpoints = ServingEndpoints(gan, max_batch_size=8)
    fn = tf.function(endpoints.serving_default, input_signature=endpoints.input_signatures()["serving_default"])
    fn(tf.constant(["a red circle moves up"]), tf.constant([7], tf.int64))["video"].shape  # (1, T, H, W, 3)
    ```
    """

    def __init__(self, model, max_batch_size=DEFAULT_MAX_BATCH_SIZE, parallel_clips=DEFAULT_PARALLEL_CLIPS):
        for name, value in (("max_batch_size", max_batch_size), ("parallel_clips", parallel_clips)):
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")
        self.model = model
        self.max_batch_size = int(max_batch_size)
        self.parallel_clips = int(parallel_clips)

    @property
    def embedding_dim(self):
        encoder = self.model.ema_text_encoder
        return int(encoder.hidden_dim * encoder.num_pooled)  # one vector per object

    def input_signatures(self):
        """{signature name: list of tf.TensorSpec}, in the order the functions take them."""
        prompt = tf.TensorSpec([None], tf.string, name=PROMPT)
        seed = tf.TensorSpec([None], tf.int64, name=SEED)
        return {
            SERVING_DEFAULT: [prompt, seed],
            ENCODE_TEXT: [prompt],
            GENERATE_FROM_EMBEDDING: [
                tf.TensorSpec([None, self.embedding_dim], tf.float32, name=EMBEDDING),
                seed,
                tf.TensorSpec([], tf.float32, name=TRUNCATION),
            ],
        }

    # === Checks (graph ops: they run inside the SavedModel, before any work) ===
    def _check_batch(self, batch, what):
        cap = self.max_batch_size
        return tf.debugging.Assert(
            batch <= cap,
            [f"A request may hold at most {cap} {what}; this one holds", batch],
        )

    def _check_seeds(self, seed, batch, what):
        return tf.debugging.Assert(
            tf.equal(tf.size(seed), batch),
            [f"Each of the {what} needs one seed; got", tf.size(seed), "seeds for", batch, what],
        )

    def _token_ids(self, prompt):
        """Checked token ids (B, L) of `prompt` (B,): the batch cap, then no blank prompt."""
        with tf.control_dependencies([self._check_batch(tf.size(prompt), "prompts")]):
            ids = self.model.tokenizer(tf.identity(prompt))  # (B, L)
        blank = tf.equal(ids[:, 0], PAD_ID)  # no word survived normalisation
        check = tf.debugging.Assert(
            tf.logical_not(tf.reduce_any(blank)),
            ["Prompts must not be empty or blank (they need at least one word); blank prompts at "
             "batch index", tf.where(blank)[:, 0]],
            summarize=self.max_batch_size,
        )
        with tf.control_dependencies([check]):
            return tf.identity(ids)

    def _embed(self, ids):
        """Sentence embeddings (B, D) in the compute dtype, each prompt encoded on its own."""
        encoder = self.model.ema_text_encoder
        return tf.map_fn(
            lambda row: encoder(row[None])["pooled"][0],
            ids,
            fn_output_signature=tf.TensorSpec([self.embedding_dim], encoder.compute_dtype),
            parallel_iterations=self.parallel_clips,
        )

    def _video(self, embedding, seed, truncation):
        """uint8 clips (B, T, H, W, 3), each generated on its own (a batch of one)."""
        model = self.model
        clip_shape = [int(model.num_frames), *map(int, model.frame_size), 3]
        return tf.map_fn(
            lambda args: model.generate_from_embedding(args[0][None], args[1][None], truncation)[0],
            (embedding, seed),
            fn_output_signature=tf.TensorSpec(clip_shape, tf.uint8),
            parallel_iterations=self.parallel_clips,
        )

    # === Endpoints ===
    def serving_default(self, prompt, seed):
        ids = self._token_ids(prompt)
        with tf.control_dependencies([self._check_seeds(seed, tf.size(prompt), "prompts")]):
            seed = tf.identity(seed)
        return {VIDEO: self._video(self._embed(ids), seed, 1.0)}

    def encode_text(self, prompt):
        return {EMBEDDING: tf.cast(self._embed(self._token_ids(prompt)), tf.float32)}

    def generate_from_embedding(self, embedding, seed, truncation):
        batch = tf.shape(embedding)[0]
        checks = [
            self._check_batch(batch, "embeddings"),
            self._check_seeds(seed, batch, "embeddings"),
            tf.debugging.Assert(
                tf.reduce_all(tf.math.is_finite(embedding)),
                ["Embeddings must be finite (no NaN or infinity)."],
            ),
            tf.debugging.Assert(
                tf.logical_and(tf.math.is_finite(truncation), truncation >= 0.0),
                ["truncation must be a finite number >= 0; got", truncation],
            ),
        ]
        with tf.control_dependencies(checks):
            embedding = tf.cast(embedding, self.model.ema_generator.compute_dtype)
            return {VIDEO: self._video(embedding, tf.identity(seed), tf.identity(truncation))}

    def functions(self):
        """{signature name: callable}, the endpoints in `SIGNATURES` order."""
        return {
            SERVING_DEFAULT: self.serving_default,
            ENCODE_TEXT: self.encode_text,
            GENERATE_FROM_EMBEDDING: self.generate_from_embedding,
        }

    def traced(self):
        """{signature name: tf.function} with fixed input signatures and autograph off, as exported."""
        signatures = self.input_signatures()
        return {
            name: tf.function(fn, input_signature=signatures[name], autograph=False)
            for name, fn in self.functions().items()
        }
