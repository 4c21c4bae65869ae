curl 'https://api.notion.com/v1/blocks/0f3e507322d848eb926be808df84c169' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
