curl 'https://api.notion.com/v1/blocks/6d2ed6f3-8f74-4e83-8766-747b6d7995f6' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
