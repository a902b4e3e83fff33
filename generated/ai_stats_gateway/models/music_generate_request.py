from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.music_generate_request_format import MusicGenerateRequestFormat
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.debug_options import DebugOptions
    from ..models.music_generate_request_elevenlabs import (
        MusicGenerateRequestElevenlabs,
    )
    from ..models.music_generate_request_suno import MusicGenerateRequestSuno
    from ..models.provider_routing_options import ProviderRoutingOptions


T = TypeVar("T", bound="MusicGenerateRequest")


@_attrs_define
class MusicGenerateRequest:
    """
    Attributes:
        model (str):
        prompt (str | Unset):
        duration (int | Unset):
        format_ (MusicGenerateRequestFormat | Unset):
        provider (ProviderRoutingOptions | Unset): Provider routing preferences for gateway selection.
        suno (MusicGenerateRequestSuno | Unset):
        elevenlabs (MusicGenerateRequestElevenlabs | Unset):
        echo_upstream_request (bool | Unset):
        debug (DebugOptions | Unset): Gateway debug controls. These flags are never forwarded upstream.
    """

    model: str
    prompt: str | Unset = UNSET
    duration: int | Unset = UNSET
    format_: MusicGenerateRequestFormat | Unset = UNSET
    provider: ProviderRoutingOptions | Unset = UNSET
    suno: MusicGenerateRequestSuno | Unset = UNSET
    elevenlabs: MusicGenerateRequestElevenlabs | Unset = UNSET
    echo_upstream_request: bool | Unset = UNSET
    debug: DebugOptions | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model = self.model

        prompt = self.prompt

        duration = self.duration

        format_: str | Unset = UNSET
        if not isinstance(self.format_, Unset):
            format_ = self.format_.value

        provider: dict[str, Any] | Unset = UNSET
        if not isinstance(self.provider, Unset):
            provider = self.provider.to_dict()

        suno: dict[str, Any] | Unset = UNSET
        if not isinstance(self.suno, Unset):
            suno = self.suno.to_dict()

        elevenlabs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.elevenlabs, Unset):
            elevenlabs = self.elevenlabs.to_dict()

        echo_upstream_request = self.echo_upstream_request

        debug: dict[str, Any] | Unset = UNSET
        if not isinstance(self.debug, Unset):
            debug = self.debug.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
            }
        )
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if duration is not UNSET:
            field_dict["duration"] = duration
        if format_ is not UNSET:
            field_dict["format"] = format_
        if provider is not UNSET:
            field_dict["provider"] = provider
        if suno is not UNSET:
            field_dict["suno"] = suno
        if elevenlabs is not UNSET:
            field_dict["elevenlabs"] = elevenlabs
        if echo_upstream_request is not UNSET:
            field_dict["echo_upstream_request"] = echo_upstream_request
        if debug is not UNSET:
            field_dict["debug"] = debug

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.debug_options import DebugOptions
        from ..models.music_generate_request_elevenlabs import (
            MusicGenerateRequestElevenlabs,
        )
        from ..models.music_generate_request_suno import MusicGenerateRequestSuno
        from ..models.provider_routing_options import ProviderRoutingOptions

        d = dict(src_dict)
        model = d.pop("model")

        prompt = d.pop("prompt", UNSET)

        duration = d.pop("duration", UNSET)

        _format_ = d.pop("format", UNSET)
        format_: MusicGenerateRequestFormat | Unset
        if isinstance(_format_, Unset):
            format_ = UNSET
        else:
            format_ = MusicGenerateRequestFormat(_format_)

        _provider = d.pop("provider", UNSET)
        provider: ProviderRoutingOptions | Unset
        if isinstance(_provider, Unset):
            provider = UNSET
        else:
            provider = ProviderRoutingOptions.from_dict(_provider)

        _suno = d.pop("suno", UNSET)
        suno: MusicGenerateRequestSuno | Unset
        if isinstance(_suno, Unset):
            suno = UNSET
        else:
            suno = MusicGenerateRequestSuno.from_dict(_suno)

        _elevenlabs = d.pop("elevenlabs", UNSET)
        elevenlabs: MusicGenerateRequestElevenlabs | Unset
        if isinstance(_elevenlabs, Unset):
            elevenlabs = UNSET
        else:
            elevenlabs = MusicGenerateRequestElevenlabs.from_dict(_elevenlabs)

        echo_upstream_request = d.pop("echo_upstream_request", UNSET)

        _debug = d.pop("debug", UNSET)
        debug: DebugOptions | Unset
        if isinstance(_debug, Unset):
            debug = UNSET
        else:
            debug = DebugOptions.from_dict(_debug)

        music_generate_request = cls(
            model=model,
            prompt=prompt,
            duration=duration,
            format_=format_,
            provider=provider,
            suno=suno,
            elevenlabs=elevenlabs,
            echo_upstream_request=echo_upstream_request,
            debug=debug,
        )

        music_generate_request.additional_properties = d
        return music_generate_request

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
