curl 'https://api.notion.com/v1/blocks/6a1f76eb-337e-4169-a77b-cb8b1d79a88e' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
