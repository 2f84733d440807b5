"""Text side: prompt tokenizer (TF Text, servable in-graph), vocabulary tools, text encoder."""

from tf_t2v.text.attention_pooling import AttentionPooling
from tf_t2v.text.prompt_reader import PromptReader, WordReading
from tf_t2v.text.text_encoder import TextEncoder
from tf_t2v.text.text_tokenizer import OOV_ID, PAD_ID, TextTokenizer
from tf_t2v.text.transformer_encoder_block import TransformerEncoderBlock
from tf_t2v.text.vocabulary import build_vocabulary, load_vocabulary, save_vocabulary

__all__ = [
    "AttentionPooling",
    "OOV_ID",
    "PAD_ID",
    "PromptReader",
    "TextEncoder",
    "TextTokenizer",
    "TransformerEncoderBlock",
    "WordReading",
    "build_vocabulary",
    "load_vocabulary",
    "save_vocabulary",
]
