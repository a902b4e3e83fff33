from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.music_generate_request_suno_vocal_gender import (
    MusicGenerateRequestSunoVocalGender,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="MusicGenerateRequestSuno")


@_attrs_define
class MusicGenerateRequestSuno:
    """
    Attributes:
        prompt (str | Unset):
        style (str | Unset):
        title (str | Unset):
        custom_mode (bool | Unset):
        instrumental (bool | Unset):
        persona_id (str | Unset):
        model (str | Unset):
        negative_tags (str | Unset):
        vocal_gender (MusicGenerateRequestSunoVocalGender | Unset):
        style_weight (float | Unset):
        weirdness_constraint (float | Unset):
        audio_weight (float | Unset):
        call_back_url (str | Unset):
    """

    prompt: str | Unset = UNSET
    style: str | Unset = UNSET
    title: str | Unset = UNSET
    custom_mode: bool | Unset = UNSET
    instrumental: bool | Unset = UNSET
    persona_id: str | Unset = UNSET
    model: str | Unset = UNSET
    negative_tags: str | Unset = UNSET
    vocal_gender: MusicGenerateRequestSunoVocalGender | Unset = UNSET
    style_weight: float | Unset = UNSET
    weirdness_constraint: float | Unset = UNSET
    audio_weight: float | Unset = UNSET
    call_back_url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        prompt = self.prompt

        style = self.style

        title = self.title

        custom_mode = self.custom_mode

        instrumental = self.instrumental

        persona_id = self.persona_id

        model = self.model

        negative_tags = self.negative_tags

        vocal_gender: str | Unset = UNSET
        if not isinstance(self.vocal_gender, Unset):
            vocal_gender = self.vocal_gender.value

        style_weight = self.style_weight

        weirdness_constraint = self.weirdness_constraint

        audio_weight = self.audio_weight

        call_back_url = self.call_back_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if style is not UNSET:
            field_dict["style"] = style
        if title is not UNSET:
            field_dict["title"] = title
        if custom_mode is not UNSET:
            field_dict["customMode"] = custom_mode
        if instrumental is not UNSET:
            field_dict["instrumental"] = instrumental
        if persona_id is not UNSET:
            field_dict["personaId"] = persona_id
        if model is not UNSET:
            field_dict["model"] = model
        if negative_tags is not UNSET:
            field_dict["negativeTags"] = negative_tags
        if vocal_gender is not UNSET:
            field_dict["vocalGender"] = vocal_gender
        if style_weight is not UNSET:
            field_dict["styleWeight"] = style_weight
        if weirdness_constraint is not UNSET:
            field_dict["weirdnessConstraint"] = weirdness_constraint
        if audio_weight is not UNSET:
            field_dict["audioWeight"] = audio_weight
        if call_back_url is not UNSET:
            field_dict["callBackUrl"] = call_back_url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        prompt = d.pop("prompt", UNSET)

        style = d.pop("style", UNSET)

        title = d.pop("title", UNSET)

        custom_mode = d.pop("customMode", UNSET)

        instrumental = d.pop("instrumental", UNSET)

        persona_id = d.pop("personaId", UNSET)

        model = d.pop("model", UNSET)

        negative_tags = d.pop("negativeTags", UNSET)

        _vocal_gender = d.pop("vocalGender", UNSET)
        vocal_gender: MusicGenerateRequestSunoVocalGender | Unset
        if isinstance(_vocal_gender, Unset):
            vocal_gender = UNSET
        else:
            vocal_gender = MusicGenerateRequestSunoVocalGender(_vocal_gender)

        style_weight = d.pop("styleWeight", UNSET)

        weirdness_constraint = d.pop("weirdnessConstraint", UNSET)

        audio_weight = d.pop("audioWeight", UNSET)

        call_back_url = d.pop("callBackUrl", UNSET)

        music_generate_request_suno = cls(
            prompt=prompt,
            style=style,
            title=title,
            custom_mode=custom_mode,
            instrumental=instrumental,
            persona_id=persona_id,
            model=model,
            negative_tags=negative_tags,
            vocal_gender=vocal_gender,
            style_weight=style_weight,
            weirdness_constraint=weirdness_constraint,
            audio_weight=audio_weight,
            call_back_url=call_back_url,
        )

        music_generate_request_suno.additional_properties = d
        return music_generate_request_suno

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
