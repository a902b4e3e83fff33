from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.music_generate_response_object import MusicGenerateResponseObject
from ..models.music_generate_response_status import MusicGenerateResponseStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.music_generate_response_output_item import (
        MusicGenerateResponseOutputItem,
    )
    from ..models.music_generate_response_usage import MusicGenerateResponseUsage


T = TypeVar("T", bound="MusicGenerateResponse")


@_attrs_define
class MusicGenerateResponse:
    """
    Attributes:
        id (str): Stable Phaseo request ID used with GET /music/generate/{music_id}.
        object_ (MusicGenerateResponseObject):
        status (MusicGenerateResponseStatus):
        model (str):
        provider (str):
        native_response_id (None | str | Unset): Upstream provider identifier for correlation and support.
        audio_url (str | Unset):
        audio_base64 (str | Unset):
        result (Any | Unset): Provider result metadata normalized by Phaseo.
        output (list[MusicGenerateResponseOutputItem] | Unset):
        usage (MusicGenerateResponseUsage | Unset):
    """

    id: str
    object_: MusicGenerateResponseObject
    status: MusicGenerateResponseStatus
    model: str
    provider: str
    native_response_id: None | str | Unset = UNSET
    audio_url: str | Unset = UNSET
    audio_base64: str | Unset = UNSET
    result: Any | Unset = UNSET
    output: list[MusicGenerateResponseOutputItem] | Unset = UNSET
    usage: MusicGenerateResponseUsage | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        object_ = self.object_.value

        status = self.status.value

        model = self.model

        provider = self.provider

        native_response_id: None | str | Unset
        if isinstance(self.native_response_id, Unset):
            native_response_id = UNSET
        else:
            native_response_id = self.native_response_id

        audio_url = self.audio_url

        audio_base64 = self.audio_base64

        result = self.result

        output: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.output, Unset):
            output = []
            for output_item_data in self.output:
                output_item = output_item_data.to_dict()
                output.append(output_item)

        usage: dict[str, Any] | Unset = UNSET
        if not isinstance(self.usage, Unset):
            usage = self.usage.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "status": status,
                "model": model,
                "provider": provider,
            }
        )
        if native_response_id is not UNSET:
            field_dict["nativeResponseId"] = native_response_id
        if audio_url is not UNSET:
            field_dict["audio_url"] = audio_url
        if audio_base64 is not UNSET:
            field_dict["audio_base64"] = audio_base64
        if result is not UNSET:
            field_dict["result"] = result
        if output is not UNSET:
            field_dict["output"] = output
        if usage is not UNSET:
            field_dict["usage"] = usage

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.music_generate_response_output_item import (
            MusicGenerateResponseOutputItem,
        )
        from ..models.music_generate_response_usage import MusicGenerateResponseUsage

        d = dict(src_dict)
        id = d.pop("id")

        object_ = MusicGenerateResponseObject(d.pop("object"))

        status = MusicGenerateResponseStatus(d.pop("status"))

        model = d.pop("model")

        provider = d.pop("provider")

        def _parse_native_response_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        native_response_id = _parse_native_response_id(d.pop("nativeResponseId", UNSET))

        audio_url = d.pop("audio_url", UNSET)

        audio_base64 = d.pop("audio_base64", UNSET)

        result = d.pop("result", UNSET)

        _output = d.pop("output", UNSET)
        output: list[MusicGenerateResponseOutputItem] | Unset = UNSET
        if _output is not UNSET:
            output = []
            for output_item_data in _output:
                output_item = MusicGenerateResponseOutputItem.from_dict(
                    output_item_data
                )

                output.append(output_item)

        _usage = d.pop("usage", UNSET)
        usage: MusicGenerateResponseUsage | Unset
        if isinstance(_usage, Unset):
            usage = UNSET
        else:
            usage = MusicGenerateResponseUsage.from_dict(_usage)

        music_generate_response = cls(
            id=id,
            object_=object_,
            status=status,
            model=model,
            provider=provider,
            native_response_id=native_response_id,
            audio_url=audio_url,
            audio_base64=audio_base64,
            result=result,
            output=output,
            usage=usage,
        )

        music_generate_response.additional_properties = d
        return music_generate_response

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
