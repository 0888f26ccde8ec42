"""zeropark — 零碳园区能碳管理平台."""

__version__ = "0.1.0"
