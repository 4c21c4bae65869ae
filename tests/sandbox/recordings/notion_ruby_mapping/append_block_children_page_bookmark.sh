#!/bin/sh
curl -X PATCH 'https://api.notion.com/v1/blocks/26cd8e4e98ab8061b880f8f45db00383/children' \
  -H 'Notion-Version: 2025-09-03' \
  -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
  -H 'Content-Type: application/json' \
  --data '{"children":[{"type":"bookmark","object":"block","bookmark":{"caption":[{"type":"text","text":{"content":"Google","link":null},"plain_text":"Google","href":null}],"url":"https://www.google.com"}}]}'
